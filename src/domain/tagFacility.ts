/**
 * Which facility (plant, asset) a tag belongs to, from its name. Plant historians prefix tag names with
 * the plant code (`1903.R-29LT1047.MA_Y`), so a list of prefix rules answers most names without asking
 * the source; the longest matching prefix wins, so `1903.R-` can refine `1903.`.
 */
export interface FacilityRule {
  readonly prefix: string;
  readonly facility: string;
}

/** How a model's tags get their facility: that of its first tag for all (the Python latigo), or each its own. */
export type FacilityMode = 'first_tag' | 'per_tag';

/** The facility of the longest rule prefix that starts `tagName`; undefined when none does. */
export function facilityFromRules(tagName: string, rules: readonly FacilityRule[]): string | undefined {
  let best: FacilityRule | undefined;
  for (const rule of rules) {
    if (tagName.startsWith(rule.prefix) && (best === undefined || rule.prefix.length > best.prefix.length)) best = rule;
  }
  return best?.facility;
}
