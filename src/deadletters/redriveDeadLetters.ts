import type { DeadLetter, QueueInspector, RedriveFilter } from '../contracts/QueueInspector.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';

/** Every dead letter matching `filter`, paged through the inspector. */
export async function matchingDeadLetters(inspector: QueueInspector, filter: RedriveFilter): Promise<DeadLetter[]> {
  const found: DeadLetter[] = [];
  const ids = 'ids' in filter ? new Set(filter.ids) : undefined;
  let cursor: string | undefined;
  do {
    const page = await inspector.deadLetters({ limit: 500, ...(cursor === undefined ? {} : { cursor }) });
    for (const letter of page.items) {
      if (ids !== undefined ? ids.has(letter.id) : 'reasonContains' in filter ? letter.reason.includes(filter.reasonContains) : true)
        found.push(letter);
    }
    cursor = page.next;
  } while (cursor !== undefined);
  return found;
}

/**
 * Re-drives dead letters and makes their windows runnable again. The ledger goes first: a dead window is
 * finished, and an executor acks a finished window without work. Message ids are task ids, so the windows
 * are found by id; a malformed message has no window and simply goes back to dead, with its reason, when
 * an executor reads it again (it is not re-driven automatically, so it cannot loop).
 */
export async function redriveDeadLetters(
  inspector: QueueInspector,
  ledger: WindowLedger,
  filter: RedriveFilter,
): Promise<{ redriven: number; windows: number }> {
  const letters = await matchingDeadLetters(inspector, filter);
  const again = await ledger.requeue(
    letters.map((l) => l.id),
    ['dead', 'failed'],
  );
  const { redriven } = await inspector.redrive(filter);
  // Sent by the re-drive, so the scheduler does not resend them as unsent.
  await ledger.markEnqueued(again.map((t) => t.id));
  return { redriven, windows: again.length };
}

/** What kind of failure parked a message, read from its reason (the queue keeps the reason text only). */
export function deadLetterClass(letter: DeadLetter): 'malformed' | 'exhausted' | 'permanent' {
  const reason = letter.reason.toLowerCase();
  if (
    reason.includes('malformed') ||
    reason.includes('not json') ||
    reason.includes('not a json') ||
    reason.includes('must be a non-empty string')
  )
    return 'malformed';
  if (reason.includes('exhausted') || reason.includes('lease')) return 'exhausted';
  return 'permanent';
}
