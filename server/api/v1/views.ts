import type { Organization } from "../../../core/store/repositories/organizations.js";
import type { User } from "../../../core/store/repositories/users.js";

/** What the API shows of stored documents: ids renamed, bookkeeping and internals left out. */
export const userView = (user: User) => ({
  id: user._id,
  name: user.name,
  email: user.email,
  orgRole: user.orgRole,
});

export const organizationView = (org: Organization) => ({
  id: org._id,
  tenantId: org.tenantId,
  name: org.name,
  version: org.version,
});
