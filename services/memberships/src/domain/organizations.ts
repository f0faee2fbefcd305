/** The organizations shown next to memberships and invitations (`/me/organizations`, `/me/invitations`). */
import type { OrganizationSummary } from './model';
import type { Dependencies } from './ports';

/** The summaries of the organizations of some items, each organization read once. */
export async function summariesOf(
  deps: Dependencies,
  items: readonly { organizationId: string }[],
): Promise<Map<string, OrganizationSummary>> {
  const ids = [...new Set(items.map((item) => item.organizationId))];
  return ids.length === 0 ? new Map() : deps.organizations.summaries(ids);
}
