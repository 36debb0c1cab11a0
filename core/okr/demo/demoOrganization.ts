import { createHash } from "node:crypto";
import { DEMO_TENANT_ID, DEMO_USER } from "../../auth/devTokens.js";
import type { Store } from "../../store/store.js";
import { OrganizationRepository } from "../../store/repositories/organizations.js";
import { UserRepository, type OrgRole } from "../../store/repositories/users.js";
import type { CheckIn, KeyResult, Measurement, Objective, OkrStatus, Period, Project, Team } from "../model.js";
import { dayStart, isLate, quarterOf, quarterShift, type QuarterSpec } from "../periods.js";
import { initialValue, keyResultProgress } from "../progress.js";
import { OkrStore, insertIfAbsent } from "../repositories/okrStore.js";
import { keyResultScore } from "../scoring.js";

/**
 * A realistic demo organisation in the demo tenant (dev sign-in lands there): 9 people, 3 teams,
 * 12 objectives over this quarter and the last (two closed and scored), 40 key results of every
 * measurement kind with check-in history, 3 projects with tasks, comments.
 *
 * Ids are derived from names, and every document is inserted only if absent, so loading again
 * changes nothing (and restores anything deleted).
 */

const idOf = (name: string): string => {
  const h = createHash("sha1").update(`pacer-demo:${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const PEOPLE: Array<{ key: string; name: string; role: OrgRole; oid?: string }> = [
  { key: "dana", name: DEMO_USER.name, role: "owner", oid: DEMO_USER.oid },
  { key: "ari", name: "Ari Okafor", role: "admin" },
  { key: "priya", name: "Priya Patel", role: "member" },
  { key: "marco", name: "Marco Rossi", role: "member" },
  { key: "lena", name: "Lena Fischer", role: "member" },
  { key: "sam", name: "Sam Lee", role: "member" },
  { key: "jordan", name: "Jordan Kim", role: "member" },
  { key: "noah", name: "Noah Martin", role: "member" },
  { key: "emma", name: "Emma Dubois", role: "member" },
];

const TEAMS = [
  { key: "product", name: "Product", description: "Discovery, design and the roadmap", owners: ["priya"], members: ["sam", "emma"] },
  { key: "engineering", name: "Engineering", description: "Platform, apps and reliability", owners: ["marco"], members: ["jordan", "noah"] },
  { key: "gtm", name: "Sales & Marketing", description: "Pipeline, brand and customer success", owners: ["lena"], members: ["emma", "sam"] },
];

type KrSpec = { title: string; m: Measurement; owner?: string; weight?: number; reach: number; status?: OkrStatus; parent?: string };
type ObjectiveSpec = { key: string; title: string; description: string; owner: { type: "user" | "team"; key: string }; quarter: "current" | "previous"; parent?: string; rollUp?: boolean; krs: KrSpec[]; closeScore?: number };

const pct = { kind: "percent" } as const;
const ms = { kind: "milestone" } as const;
const metric = (start: number, target: number, unit: string | null, decimals = 0): Measurement => ({ kind: "metric", start, target, unit, decimals });
const kpi = (threshold: number, direction: "above" | "below", unit: string | null, decimals = 0): Measurement => ({ kind: "kpi", threshold, direction, unit, decimals });

/** `reach`: where the KR's value ends up now, as a share of its target (drives the statuses). */
const OBJECTIVES: ObjectiveSpec[] = [
  { key: "co-growth", title: "Become the default OKR tool for Teams-first companies", description: "Company objective for the year's first half.", owner: { type: "user", key: "dana" }, quarter: "current", rollUp: true, krs: [
    { title: "Grow paying organisations from 120 to 200", m: metric(120, 200, "orgs"), reach: 0.55 },
    { title: "Net revenue retention stays above 110 %", m: kpi(110, "above", "%", 1), reach: 1 },
    { title: "Launch in the Teams Store", m: ms, reach: 0 },
  ] },
  { key: "co-quality", title: "Earn a reputation for reliability", description: "Nobody should wonder whether their OKRs are current.", owner: { type: "user", key: "dana" }, quarter: "current", krs: [
    { title: "Monthly uptime at or above 99.9 %", m: kpi(99.9, "above", "%", 2), reach: 1 },
    { title: "Cut P1 incidents from 6 to 1 per quarter", m: metric(6, 1, "incidents"), reach: 0.6 },
    { title: "Customer satisfaction from 7.8 to 8.6", m: metric(7.8, 8.6, "/10", 1), reach: 0.3, status: "behind" },
    { title: "Publish the security whitepaper", m: ms, reach: 1 },
  ] },
  { key: "prod-onboarding", title: "Make the first week delightful", description: "New organisations set up OKRs without help.", owner: { type: "team", key: "product" }, quarter: "current", parent: "co-growth", krs: [
    { title: "Activation (first check-in within 7 days) from 35 % to 60 %", m: metric(35, 60, "%"), owner: "sam", reach: 0.5, weight: 2 },
    { title: "Ship guided setup", m: pct, owner: "emma", reach: 0.7 },
    { title: "Time to first objective below 10 minutes", m: kpi(10, "below", "min"), reach: 0 },
    { title: "Interview 20 new admins", m: metric(0, 20, "interviews"), owner: "priya", reach: 0.8 },
  ] },
  { key: "prod-insights", title: "Turn progress data into decisions", description: "Leaders see what is off track without asking.", owner: { type: "team", key: "product" }, quarter: "current", parent: "co-growth", krs: [
    { title: "Weekly digest opened by 50 % of managers", m: metric(0, 50, "%"), reach: 0.2 },
    { title: "Publish the Power BI template", m: ms, reach: 1 },
    { title: "Dashboard load time (p95) under 1.5 s", m: kpi(1.5, "below", "s", 1), reach: 1 },
  ] },
  { key: "eng-reliability", title: "Run a boringly reliable platform", description: "", owner: { type: "team", key: "engineering" }, quarter: "current", parent: "co-quality", krs: [
    { title: "Error budget burn below 50 %", m: kpi(50, "below", "%"), owner: "noah", reach: 1 },
    { title: "Mean time to recovery from 90 to 20 minutes", m: metric(90, 20, "min"), owner: "jordan", reach: 0.45 },
    { title: "Automated failover drill passes", m: ms, reach: 0 },
    { title: "Migrate all services to the new runtime", m: pct, reach: 0.65 },
  ] },
  { key: "eng-sync", title: "Key results update themselves", description: "Integrations carry the load of check-ins.", owner: { type: "team", key: "engineering" }, quarter: "current", parent: "co-growth", krs: [
    { title: "Share of KRs linked to a data source from 10 % to 40 %", m: metric(10, 40, "%"), weight: 2, reach: 0.4 },
    { title: "Ship Azure DevOps, BigQuery and SQL connectors", m: metric(0, 3, "connectors"), reach: 0.67 },
    { title: "Sync success rate above 99 %", m: kpi(99, "above", "%", 1), reach: 1 },
  ] },
  { key: "eng-velocity", title: "Ship smaller changes, more often", description: "", owner: { type: "user", key: "marco" }, quarter: "current", krs: [
    { title: "Deployments per week from 5 to 15", m: metric(5, 15, "deploys"), reach: 0.9 },
    { title: "Lead time for changes under 2 days", m: kpi(2, "below", "days", 1), reach: 0 },
    { title: "Flaky tests removed", m: pct, reach: 0.95 },
  ] },
  { key: "gtm-pipeline", title: "Build a pipeline we can count on", description: "", owner: { type: "team", key: "gtm" }, quarter: "current", parent: "co-growth", krs: [
    { title: "Qualified pipeline from $0.4M to $1.2M", m: metric(0.4, 1.2, "$M", 2), owner: "lena", weight: 3, reach: 0.35, status: "at_risk" },
    { title: "Win rate above 25 %", m: kpi(25, "above", "%"), reach: 1 },
    { title: "Publish 6 customer stories", m: metric(0, 6, "stories"), owner: "emma", reach: 0.5 },
  ] },
  { key: "gtm-brand", title: "Be known where Teams admins look", description: "", owner: { type: "user", key: "lena" }, quarter: "current", krs: [
    { title: "Speak at 3 Microsoft community events", m: metric(0, 3, "talks"), reach: 0.34 },
    { title: "Newsletter subscribers from 800 to 2,000", m: metric(800, 2000, "subscribers"), reach: 0.25 },
    { title: "Refresh the website", m: ms, reach: 1 },
    { title: "Organic sign-ups from 40 to 120 a month", m: metric(40, 120, "sign-ups"), reach: 0.6 },
  ] },
  { key: "people", title: "Grow a team people want to join", description: "", owner: { type: "user", key: "ari" }, quarter: "current", krs: [
    { title: "Hire 4 engineers", m: metric(0, 4, "hires"), reach: 0.5 },
    { title: "Engagement score at or above 8", m: kpi(8, "above", "/10", 1), reach: 1 },
    { title: "Every manager completes coaching training", m: pct, reach: 0.3 },
    { title: "Regretted attrition below 5 %", m: kpi(5, "below", "%", 1), reach: 1 },
  ] },
  { key: "prev-launch", title: "Launch the public beta", description: "Last quarter's launch objective.", owner: { type: "team", key: "product" }, quarter: "previous", closeScore: 0.8, krs: [
    { title: "Beta organisations from 0 to 100", m: metric(0, 100, "orgs"), reach: 1.2 },
    { title: "Publish the docs site", m: ms, reach: 1 },
    { title: "Beta NPS above 30", m: kpi(30, "above", null), reach: 0 },
  ] },
  { key: "prev-platform", title: "Lay the platform foundations", description: "", owner: { type: "team", key: "engineering" }, quarter: "previous", closeScore: 0.6, krs: [
    { title: "Tenant isolation tests cover every repository", m: pct, reach: 0.9 },
    { title: "p95 API latency from 800 to 200 ms", m: metric(800, 200, "ms"), reach: 0.4 },
  ] },
];

const PROJECTS = [
  { key: "guided-setup", title: "Guided setup wizard", objective: "prod-onboarding", kr: 1, owner: "emma", tasks: [["Map the setup steps", true], ["Design the wizard", true], ["Build period and team steps", true], ["Usability test with 5 admins", false], ["Roll out to all new orgs", false]] },
  { key: "connectors", title: "First three connectors", objective: "eng-sync", kr: 1, owner: "jordan", tasks: [["Azure DevOps queries", true], ["BigQuery", true], ["SQL (PostgreSQL, MariaDB)", false], ["Connector docs", false]] },
  { key: "failover", title: "Failover drill", objective: "eng-reliability", kr: 2, owner: "noah", tasks: [["Write the runbook", true], ["Staging drill", false], ["Production drill", false]] },
] as const;

/** Small deterministic noise so the history looks human. */
const jitter = (seed: string) => (parseInt(createHash("sha1").update(seed).digest("hex").slice(0, 6), 16) / 0xffffff - 0.5) * 0.1;

function valueAt(m: Measurement, share: number): number {
  const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
  switch (m.kind) {
    case "percent":
      return round(Math.max(0, Math.min(100, share * 100)), 0);
    case "milestone":
      return share >= 1 ? 1 : 0;
    case "metric":
      return round(m.start + (m.target - m.start) * share, m.decimals);
    case "kpi": {
      // reach 1: the KPI holds; 0: it misses by a little.
      const miss = m.threshold * 0.08 || 1;
      const held = share >= 1;
      return round(m.direction === "above" ? (held ? m.threshold + miss / 2 : m.threshold - miss) : held ? m.threshold - miss / 2 : m.threshold + miss, m.decimals);
    }
  }
}

export interface DemoLoadResult {
  inserted: number;
}

export async function loadDemoOrganization(store: Store, options: { now?: Date; tenantId?: string } = {}): Promise<DemoLoadResult> {
  const tenantId = options.tenantId ?? DEMO_TENANT_ID;
  const now = options.now ?? new Date();
  const okr = new OkrStore(store);
  const users = new UserRepository(store);
  const orgs = new OrganizationRepository(store);
  let inserted = 0;
  const put = async <T extends { _id: string }>(insert: () => Promise<T>) => {
    if (await insertIfAbsent(insert)) inserted += 1;
  };

  const org = await orgs.getOrCreate(tenantId, { oid: DEMO_USER.oid, tenantName: "Contoso (demo)" });
  const people = new Map<string, string>();
  for (const person of PEOPLE) {
    const oid = person.oid ?? idOf(`oid:${person.key}`);
    const existing = await users.findByOid(tenantId, oid);
    const user = existing ?? (await users.upsertSeen(tenantId, { oid, name: person.name, email: `${person.key}@demo.pacer.local`, orgRole: org.createdByOid === oid ? "owner" : person.role }, now));
    if (!existing) inserted += 1;
    people.set(person.key, user._id);
  }
  const person = (key: string) => people.get(key)!;

  for (const team of TEAMS) {
    await put(() => okr.teams.insert(tenantId, { _id: idOf(`team:${team.key}`), name: team.name, description: team.description, ownerIds: team.owners.map(person), memberIds: team.members.map(person), parentTeamId: null } as Team));
  }

  const periods: Record<"current" | "previous", QuarterSpec> = { current: quarterOf(now), previous: quarterShift(now, -1) };
  const periodIds: Record<string, string> = {};
  for (const [which, spec] of Object.entries(periods)) {
    const existing = await okr.periods.findOne(tenantId, { key: spec.key });
    if (existing) periodIds[which] = existing._id;
    else {
      const period = await okr.periods.insert(tenantId, { key: spec.key, kind: "quarter", name: spec.name, startDate: spec.startDate, endDate: spec.endDate } as Omit<Period, "_id" | "tenantId" | "version" | "createdAt" | "updatedAt">);
      periodIds[which] = period._id;
      inserted += 1;
    }
  }

  for (const spec of OBJECTIVES) {
    const objectiveId = idOf(`objective:${spec.key}`);
    const period = periods[spec.quarter];
    const start = dayStart(period.startDate).getTime();
    // History runs weekly from the period's start to now (or to its end, for a past period).
    const until = Math.min(now.getTime(), dayStart(period.endDate).getTime() + 86_399_000);
    const keyResults: KeyResult[] = [];
    for (const [index, kr] of spec.krs.entries()) {
      const krId = idOf(`kr:${spec.key}:${index}`);
      const history: CheckIn[] = [];
      for (let at = start + 7 * 86_400_000, week = 1; at <= until; at += 7 * 86_400_000, week += 1) {
        // Values climb towards `reach`; a KPI is a state to keep, so it holds (or misses) throughout.
        const share = Math.max(0, kr.reach * ((at - start) / (until - start || 1)) + jitter(`${krId}:${week}`));
        const finalWeek = at + 7 * 86_400_000 > until;
        const value = valueAt(kr.m, finalWeek || kr.m.kind === "kpi" ? kr.reach : Math.min(share, kr.m.kind === "milestone" ? 0.99 : 10));
        const date = new Date(at);
        history.push({
          _id: idOf(`checkin:${krId}:${week}`),
          tenantId,
          version: 1,
          createdAt: date,
          updatedAt: date,
          keyResultId: krId,
          objectiveId,
          value,
          previousValue: history.at(-1)?.value ?? initialValue(kr.m),
          status: finalWeek ? (kr.status ?? null) : null,
          note: finalWeek && kr.status ? "Slipping: see the thread for the plan." : week === 1 ? "First check-in of the quarter." : "",
          authorId: person(kr.owner ?? (spec.owner.type === "user" ? spec.owner.key : TEAMS.find((t) => t.key === spec.owner.key)!.owners[0]!)),
          source: { kind: "manual" },
          origin: week % 3 === 0 ? "teams" : "tab",
          at: date,
          late: isLate(period, date),
          state: "applied",
        });
      }
      const last = history.at(-1);
      keyResults.push({
        _id: krId,
        tenantId,
        version: 1,
        createdAt: new Date(start),
        updatedAt: last?.at ?? new Date(start),
        objectiveId,
        title: kr.title,
        description: "",
        ownerUserId: kr.owner ? person(kr.owner) : null,
        measurement: kr.m,
        weight: kr.weight ?? 1,
        current: last ? last.value : initialValue(kr.m),
        lastCheckIn: last ? { id: last._id, at: last.at, value: last.value, status: last.status, authorId: last.authorId, sourceKind: "manual", sourceFingerprint: null, late: last.late } : null,
        parents: [],
        parentIds: [],
        order: index,
        createdBy: person("dana"),
      });
      for (const checkIn of history) {
        await put(() => okr.checkIns.insert(tenantId, checkIn, checkIn.at));
        await put(() =>
          okr.activity.insert(
            tenantId,
            { _id: checkIn._id, kind: "check_in", subjectType: "keyResult", subjectId: krId, objectiveId, authorId: checkIn.authorId, origin: checkIn.origin, at: checkIn.at, text: checkIn.note, parentId: null, data: { checkInId: checkIn._id, value: checkIn.value, previousValue: checkIn.previousValue, status: checkIn.status, late: checkIn.late } },
            checkIn.at,
          ),
        );
      }
    }
    for (const kr of keyResults) await put(() => okr.keyResults.insert(tenantId, kr, kr.createdAt));

    const ownerId = spec.owner.type === "user" ? person(spec.owner.key) : idOf(`team:${spec.owner.key}`);
    const parents = spec.parent ? [{ type: "objective" as const, id: idOf(`objective:${spec.parent}`) }] : [];
    const closed =
      spec.closeScore === undefined
        ? null
        : {
            score: spec.closeScore,
            note: "Closed at the quarter review.",
            closedAt: dayStart(period.endDate),
            closedBy: person("dana"),
            keyResultScores: keyResults.map((kr) => ({ keyResultId: kr._id, score: keyResultScore(keyResultProgress(kr.measurement, kr.current)) })),
          };
    const objective: Objective = {
      _id: objectiveId,
      tenantId,
      version: 1,
      createdAt: new Date(start),
      updatedAt: new Date(start),
      title: spec.title,
      description: spec.description,
      ownerType: spec.owner.type,
      ownerId,
      periodId: periodIds[spec.quarter]!,
      parents,
      parentIds: parents.map((p) => p.id),
      rollUpChildren: spec.rollUp ?? false,
      state: closed ? "closed" : "active",
      closed,
      carriedFromId: null,
      createdBy: person("dana"),
    };
    // After its KRs, like the service does: the objective makes them visible.
    await put(() => okr.objectives.insert(tenantId, objective, objective.createdAt));
  }

  for (const project of PROJECTS) {
    const objectiveId = idOf(`objective:${project.objective}`);
    await put(() =>
      okr.projects.insert(tenantId, {
        _id: idOf(`project:${project.key}`),
        title: project.title,
        description: "",
        objectiveId,
        keyResultId: idOf(`kr:${project.objective}:${project.kr}`),
        ownerUserId: person(project.owner),
        tasks: project.tasks.map(([title, done], index) => ({ id: idOf(`task:${project.key}:${index}`), title, done, assigneeId: person(project.owner), due: null })),
        createdBy: person("dana"),
      } as Omit<Project, "tenantId" | "version" | "createdAt" | "updatedAt">),
    );
  }

  const comments = [
    { key: "c1", on: "kr:gtm-pipeline:0", objective: "gtm-pipeline", author: "lena", text: "Two large deals slipped to next quarter; we are adding partner-sourced leads.", parent: null },
    { key: "c2", on: "kr:gtm-pipeline:0", objective: "gtm-pipeline", author: "dana", text: "Thanks. Can we review the partner list on Thursday?", parent: "c1" },
    { key: "c3", on: "objective:prod-onboarding", objective: "prod-onboarding", author: "priya", text: "Guided setup beta is live for 20 % of new orgs.", parent: null },
  ];
  for (const [index, c] of comments.entries()) {
    const at = new Date(Math.min(now.getTime(), dayStart(periods.current.startDate).getTime() + (20 + index) * 86_400_000));
    await put(() =>
      okr.activity.insert(
        tenantId,
        {
          _id: idOf(`comment:${c.key}`),
          kind: "comment",
          subjectType: c.on.startsWith("kr:") ? "keyResult" : "objective",
          subjectId: idOf(c.on),
          objectiveId: idOf(`objective:${c.objective}`),
          authorId: person(c.author),
          origin: index === 1 ? "teams" : "tab",
          at,
          text: c.text,
          parentId: c.parent ? idOf(`comment:${c.parent}`) : null,
          data: {},
        },
        at,
      ),
    );
  }
  return { inserted };
}

/** First start in dev mode: load the demo when the demo organisation has no objectives yet. */
export async function ensureDemoOrganization(store: Store, now = new Date()): Promise<DemoLoadResult | null> {
  const okr = new OkrStore(store);
  if ((await okr.objectives.count(DEMO_TENANT_ID, {})) > 0) return null;
  return loadDemoOrganization(store, { now });
}
