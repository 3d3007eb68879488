/** A loan rule as the resolver sees it: each dimension null means "any". */
export type RuleRow = {
  id: string;
  patronCategoryId: string | null;
  materialTypeId: string | null;
  locationId: string | null;
  loanable: boolean;
  loanDays: number;
  maxItems: number;
  maxRenewals: number;
  renewalDays: number;
  maxHolds: number;
  pickupOpenDays: number;
  overdueBlockDays: number | null;
};

export type RuleQuery = {
  patronCategoryId: string;
  /** null asks for the rule that governs all types together (the overall limit) */
  materialTypeId: string | null;
  /** the location and, for a bookmobile station, its bookmobile: nearer first */
  locationChain: string[];
};

/**
 * Specificity: patron category outranks material type, which outranks location; an exact
 * location outranks its parent (a bookmobile's rule covers its stations unless a station has one).
 */
function score(rule: RuleRow, q: RuleQuery): number {
  if (rule.patronCategoryId && rule.patronCategoryId !== q.patronCategoryId) return -1;
  if (rule.materialTypeId && rule.materialTypeId !== q.materialTypeId) return -1;
  let locScore = 0;
  if (rule.locationId) {
    const at = q.locationChain.indexOf(rule.locationId);
    if (at < 0) return -1;
    locScore = q.locationChain.length - at; // nearer location, higher score
  }
  return (rule.patronCategoryId ? 400 : 0) + (rule.materialTypeId ? 200 : 0) + locScore;
}

/** The most specific matching rule; with the fallback row present there always is one. */
export function resolveRule(rules: readonly RuleRow[], q: RuleQuery): RuleRow | null {
  let best: RuleRow | null = null;
  let bestScore = -1;
  for (const r of rules) {
    const s = score(r, q);
    if (s > bestScore) {
      best = r;
      bestScore = s;
    }
  }
  return best;
}

/** For an overall limit only rules without a material type apply. */
export function resolveOverallRule(
  rules: readonly RuleRow[],
  q: Omit<RuleQuery, 'materialTypeId'>,
): RuleRow | null {
  return resolveRule(
    rules.filter((r) => r.materialTypeId === null),
    { ...q, materialTypeId: null },
  );
}

/** The per-type limit applies only when some rule names that type explicitly. */
export function resolveTypeRule(rules: readonly RuleRow[], q: RuleQuery): RuleRow | null {
  if (!q.materialTypeId) return null;
  return resolveRule(
    rules.filter((r) => r.materialTypeId === q.materialTypeId),
    q,
  );
}
