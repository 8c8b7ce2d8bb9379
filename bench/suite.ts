/** Options every suite receives from run.ts. */
export interface SuiteOptions {
  /** `--keep`: leave the suite's work (folder, throwaway database) in place for inspection. */
  readonly keep: boolean;
}

/** A benchmark suite: measures, and prints its figures through report(). `dir` is a fresh work folder. */
export type Suite = (dir: string, scale: number, options: SuiteOptions) => Promise<void>;
