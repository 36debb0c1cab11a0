import { Router } from "express";
import type { OkrServices } from "../../../core/okr/okrService.js";
import * as s from "../../../core/okr/schemas.js";
import { type ApiDescription, operation } from "../../http/apiRoute.js";
import { pageView, periodView, teamView } from "./okrViews.js";
import { organizationView, userView } from "./views.js";

/** The organisation (name, people's roles), its teams and its periods. */
export function organizationRoutes(okr: OkrServices, api: ApiDescription): Router {
  const router = Router();
  const org = "Organisation";
  operation(router, api, { method: "get", path: "/organization", tag: org, summary: "The caller's organisation", response: s.organizationView, versioned: true }, async ({ actor }) =>
    organizationView(await okr.organization.get(actor)),
  );
  operation(router, api, { method: "patch", path: "/organization", tag: org, summary: "Rename the organisation (owners)", body: s.organizationUpdate, response: s.organizationView, versioned: true }, async ({ actor, body, expectedVersion }) =>
    organizationView(await okr.organization.rename(actor, { name: body.name, version: expectedVersion() })),
  );
  operation(router, api, { method: "get", path: "/users", tag: org, summary: "People of the organisation", query: s.pageQuery, response: s.page(s.userView) }, async ({ actor, query }) =>
    pageView(await okr.organization.listUsers(actor, query), userView),
  );
  operation(router, api, { method: "patch", path: "/users/:id/role", tag: org, summary: "Change someone's org role (owners and admins; only owners touch ownership)", body: s.roleUpdate, response: s.userView }, async ({ actor, params, body, optionalVersion }) =>
    userView(await okr.organization.setRole(actor, params.id!, { orgRole: body.orgRole, version: optionalVersion() })),
  );

  const teams = "Teams";
  operation(router, api, { method: "get", path: "/teams", tag: teams, summary: "List teams", query: s.pageQuery, response: s.page(s.teamView) }, async ({ actor, query }) =>
    pageView(await okr.teams.list(actor, query), teamView),
  );
  operation(router, api, { method: "post", path: "/teams", tag: teams, summary: "Create a team (org admins)", body: s.teamCreate, response: s.teamView, status: 201, versioned: true }, async ({ actor, body }) =>
    teamView(await okr.teams.create(actor, body)),
  );
  operation(router, api, { method: "get", path: "/teams/:id", tag: teams, summary: "Get a team", response: s.teamView, versioned: true }, async ({ actor, params }) =>
    teamView(await okr.teams.get(actor, params.id!)),
  );
  operation(router, api, { method: "patch", path: "/teams/:id", tag: teams, summary: "Edit a team (its owners or org admins)", body: s.teamUpdate, response: s.teamView, versioned: true }, async ({ actor, params, body, expectedVersion }) =>
    teamView(await okr.teams.update(actor, params.id!, { ...body, version: expectedVersion() })),
  );
  operation(router, api, { method: "delete", path: "/teams/:id", tag: teams, summary: "Delete a team that owns nothing (org admins)" }, async ({ actor, params, optionalVersion }) => {
    await okr.teams.delete(actor, params.id!, optionalVersion());
  });

  const periods = "Periods";
  operation(router, api, { method: "get", path: "/periods", tag: periods, summary: "List periods (the current quarter always exists)", response: s.z.object({ items: s.z.array(s.periodView) }) }, async ({ actor }) => ({
    items: (await okr.periods.list(actor)).map((p) => periodView(p, okr.periods.isCurrent(p))),
  }));
  operation(router, api, { method: "get", path: "/periods/current", tag: periods, summary: "The current quarter", response: s.periodView, versioned: true }, async ({ actor }) =>
    periodView(await okr.periods.current(actor), true),
  );
  operation(router, api, { method: "post", path: "/periods", tag: periods, summary: "Add a quarter ({quarter: \"2027-Q1\"}, idempotent) or a custom period (org admins)", body: s.periodCreate, response: s.periodView, status: 201, versioned: true }, async ({ actor, body, res }) => {
    const { period, created } = await okr.periods.create(actor, body);
    if (!created) res.locals.status = 200;
    return periodView(period, okr.periods.isCurrent(period));
  });
  operation(router, api, { method: "get", path: "/periods/:id", tag: periods, summary: "Get a period", response: s.periodView, versioned: true }, async ({ actor, params }) => {
    const period = await okr.periods.get(actor, params.id!);
    return periodView(period, okr.periods.isCurrent(period));
  });
  operation(router, api, { method: "patch", path: "/periods/:id", tag: periods, summary: "Rename a period or move a custom period's dates (org admins)", body: s.periodUpdate, response: s.periodView, versioned: true }, async ({ actor, params, body, expectedVersion }) => {
    const period = await okr.periods.update(actor, params.id!, { ...body, version: expectedVersion() });
    return periodView(period, okr.periods.isCurrent(period));
  });
  operation(router, api, { method: "delete", path: "/periods/:id", tag: periods, summary: "Delete a period nothing uses (org admins; 409 naming what still uses it; never the current quarter)" }, async ({ actor, params, optionalVersion }) => {
    await okr.periods.delete(actor, params.id!, optionalVersion());
  });
  return router;
}
