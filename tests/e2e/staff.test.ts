// Contract §3: every platform-staff access to an organization's data is itself an audit event.
import { describe, expect, it } from '@jest/globals';
import { api, auditLog, eventually, foundOrganization, testUser } from './support';

describe('platform staff', () => {
  it('reads an organization and its members in two services, and each read is audited as platform.access', async () => {
    // Arrange
    const owner = await testUser();
    const org = await foundOrganization(owner);
    const employee = await testUser({ group: 'EMPLOYEE' });
    const path = { params: { path: { orgId: org.id } } };

    // Act
    const organization = await api(employee).GET('/organizations/{orgId}', path);
    const members = await api(employee).GET('/organizations/{orgId}/members', path);

    // Assert: staff may read without being a member
    expect(organization.response.status).toBe(200);
    expect(members.response.status).toBe(200);
    expect(members.data!.items.map((member) => member.userId)).toEqual([owner.userId]);

    // Assert: one platform.access per read, naming the employee and the action
    const accesses = await eventually(async () => {
      const entries = (await auditLog(org.id)).filter((entry) => entry.type === 'platform.access');
      return entries.length >= 2 ? entries : undefined;
    });
    expect(accesses).toHaveLength(2);
    for (const access of accesses) expect(access.actor).toEqual({ kind: 'platform', id: employee.userId });
    expect(accesses.map((access) => access.data.action).sort()).toEqual(['members:read', 'organization:read']);
  });

  it('a CUSTOMER, a group with no platform power, gets 404 like any non-member and is not audited as staff', async () => {
    const org = await foundOrganization(await testUser());
    const customer = await testUser({ group: 'CUSTOMER' });
    const employee = await testUser({ group: 'EMPLOYEE' });
    const path = { params: { path: { orgId: org.id } } };

    const read = await api(customer).GET('/organizations/{orgId}', path);
    // A staff read after it: once its audit entry is there, the customer's would be too.
    await api(employee).GET('/organizations/{orgId}', path);

    expect(read.response.status).toBe(404);
    const accesses = await eventually(async () => {
      const entries = (await auditLog(org.id)).filter((entry) => entry.type === 'platform.access');
      return entries.length > 0 ? entries : undefined;
    });
    expect(accesses.map((access) => access.actor.id)).toEqual([employee.userId]);
  });
});
