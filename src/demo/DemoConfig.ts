/** The demo plant's shape: the `demo` section of the configuration, as parsed (src/config/sections.ts). */
export interface DemoConfig {
  readonly assets: number;
  readonly tagsPerAsset: number;
  readonly resolutionMs: number;
  /** History generated, ending at seed time. */
  readonly historyMs: number;
  /** The first, fault-free part of the history, used for training. */
  readonly trainingMs: number;
  readonly faultsPerAsset: number;
  readonly seed: number;
  readonly project: string;
  /** Also a forecast model and a threshold model on the first asset; absent means yes. */
  readonly jobKinds?: boolean;
}
