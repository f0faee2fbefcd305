/**
 * EventBridge event-pattern matching, the subset Tenantry's subscriptions use: exact values,
 * nested objects, `prefix`, `suffix`, `anything-but`, `exists`, `numeric` and `equals-ignore-case`.
 */
type Json = unknown;

export function matchesPattern(pattern: Record<string, Json>, event: Record<string, Json>): boolean {
  return Object.entries(pattern).every(([key, rule]) => {
    const value = event[key];
    if (Array.isArray(rule)) return matchesAnyRule(rule, value);
    if (rule && typeof rule === 'object') {
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? matchesPattern(rule as Record<string, Json>, value as Record<string, Json>)
        : false;
    }
    return false;
  });
}

function matchesAnyRule(rules: Json[], value: Json): boolean {
  const values = Array.isArray(value) ? value : [value];
  return rules.some((rule) => {
    if (rule && typeof rule === 'object' && 'exists' in rule)
      return (rule as { exists: boolean }).exists === (value !== undefined);
    return values.some((candidate) => candidate !== undefined && matchesRule(rule, candidate));
  });
}

function matchesRule(rule: Json, value: Json): boolean {
  if (rule === null || typeof rule !== 'object') return rule === value;
  const [operator, operand] = Object.entries(rule as Record<string, Json>)[0] ?? [];
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(String(operand));
    case 'suffix':
      return typeof value === 'string' && value.endsWith(String(operand));
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === String(operand).toLowerCase();
    case 'anything-but':
      return Array.isArray(operand)
        ? !operand.some((excluded) => matchesRule(excluded, value))
        : !matchesRule(operand, value);
    case 'numeric':
      return typeof value === 'number' && matchesNumeric(operand as Json[], value);
    default:
      return false;
  }
}

function matchesNumeric(conditions: Json[], value: number): boolean {
  for (let index = 0; index < conditions.length; index += 2) {
    const bound = Number(conditions[index + 1]);
    const ok = {
      '=': value === bound,
      '<': value < bound,
      '<=': value <= bound,
      '>': value > bound,
      '>=': value >= bound,
    }[String(conditions[index])];
    if (!ok) return false;
  }
  return true;
}
