/** `{"child":"executor-2","pid":123,...,"msg":"child process started"}` lines of `latigo start`'s supervisor. */
export function startedChildren(stdout: string): { child: string; pid: number }[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"child process started"'))
    .map((line) => JSON.parse(line) as { child: string; pid: number });
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
