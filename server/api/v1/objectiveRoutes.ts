import { Router } from "express";
import * as s from "../../../core/okr/schemas.js";
import type { OkrServices } from "../../../core/okr/okrService.js";
import type { Actor } from "../../../core/okr/actor.js";
import type { Objective, SubjectType } from "../../../core/okr/model.js";
import { type ApiDescription, operation } from "../../http/apiRoute.js";
import { activityView, checkInView, keyResultView, objectiveView, pageView } from "./okrViews.js";

/** Objectives, key results, check-ins, close/score, carry over, activity and comments. Thin: parse, call one service, present. */
export function objectiveRoutes(okr: OkrServices, api: ApiDescription): Router {
  const router = Router();
  const tag = "Objectives";
  const present = async (actor: Actor, objectives: Objective[]) => {
    const evaluations = await okr.objectives.evaluate(actor.tenantId, objectives);
    return objectives.map((o) => objectiveView(o, evaluations.get(o._id)!));
  };
  const presentOne = async (actor: Actor, objective: Objective) => (await present(actor, [objective]))[0]!;
  const presentKeyResult = async (actor: Actor, keyResultId: string) => {
    const { objective } = await okr.objectives.getKeyResult(actor, keyResultId);
    const evaluation = await okr.objectives.evaluateOne(actor.tenantId, objective);
    const found = evaluation.keyResults.find((k) => k.keyResult._id === keyResultId)!;
    return keyResultView(found.keyResult, found.evaluation);
  };

  operation(router, api, { method: "get", path: "/objectives", tag, summary: "List objectives (filters: period, owner, team, parent, state, text)", query: s.objectiveListQuery, response: s.page(s.objectiveView) }, async ({ actor, query }) => {
    const page = await okr.objectives.list(actor, query);
    return { items: await present(actor, page.items), nextCursor: page.nextCursor };
  });
  operation(router, api, { method: "post", path: "/objectives", tag, summary: "Create an objective, optionally with its key results", body: s.objectiveCreate, response: s.objectiveView, status: 201, versioned: true }, async ({ actor, body }) =>
    presentOne(actor, await okr.objectives.create(actor, body)),
  );
  operation(router, api, { method: "get", path: "/objectives/:id", tag, summary: "Get an objective with its key results, progress and status", response: s.objectiveView, versioned: true }, async ({ actor, params }) =>
    presentOne(actor, await okr.objectives.get(actor, params.id!)),
  );
  operation(router, api, { method: "patch", path: "/objectives/:id", tag, summary: "Edit an objective (title, owner, period, alignment…)", body: s.objectiveUpdate, response: s.objectiveView, versioned: true }, async ({ actor, params, body, expectedVersion }) =>
    presentOne(actor, await okr.objectives.update(actor, params.id!, { ...body, version: expectedVersion() })),
  );
  operation(router, api, { method: "delete", path: "/objectives/:id", tag, summary: "Delete an objective with its key results, projects, check-ins and feed" }, async ({ actor, params, optionalVersion }) => {
    await okr.objectives.delete(actor, params.id!, optionalVersion());
  });
  operation(router, api, { method: "post", path: "/objectives/:id/close", tag, summary: "Close and score an objective (score 0.0–1.0; KR scores are frozen)", body: s.closeObjective, response: s.objectiveView, versioned: true }, async ({ actor, params, body, optionalVersion }) =>
    presentOne(actor, await okr.objectives.close(actor, params.id!, { ...body, version: optionalVersion() })),
  );
  operation(router, api, { method: "post", path: "/objectives/:id/reopen", tag, summary: "Reopen a closed objective", body: s.reopenObjective, response: s.objectiveView, versioned: true }, async ({ actor, params, optionalVersion }) =>
    presentOne(actor, await okr.objectives.reopen(actor, params.id!, optionalVersion())),
  );
  operation(router, api, { method: "post", path: "/objectives/:id/carry-over", tag, summary: "Copy the objective and its KRs into another period (targets and links kept, check-ins not)", body: s.carryOver, response: s.objectiveView, status: 201, versioned: true }, async ({ actor, params, body }) =>
    presentOne(actor, await okr.objectives.carryOver(actor, params.id!, body)),
  );

  const krTag = "Key results";
  operation(router, api, { method: "get", path: "/key-results", tag: krTag, summary: "List key results (filters: objective, owner, text)", query: s.keyResultListQuery, response: s.page(s.keyResultView) }, async ({ actor, query }) => {
    const page = await okr.objectives.listKeyResults(actor, query);
    return { items: await Promise.all(page.items.map((kr) => presentKeyResult(actor, kr._id))), nextCursor: page.nextCursor };
  });
  operation(router, api, { method: "post", path: "/key-results", tag: krTag, summary: "Add a key result to an objective", body: s.keyResultCreate, response: s.keyResultView, status: 201, versioned: true }, async ({ actor, body }) =>
    presentKeyResult(actor, (await okr.objectives.createKeyResult(actor, body))._id),
  );
  operation(router, api, { method: "get", path: "/key-results/:id", tag: krTag, summary: "Get a key result with progress and status", response: s.keyResultView, versioned: true }, async ({ actor, params }) =>
    presentKeyResult(actor, params.id!),
  );
  operation(router, api, { method: "patch", path: "/key-results/:id", tag: krTag, summary: "Edit a key result (measurement, weight, owner, alignment…)", body: s.keyResultUpdate, response: s.keyResultView, versioned: true }, async ({ actor, params, body, expectedVersion }) => {
    await okr.objectives.updateKeyResult(actor, params.id!, { ...body, version: expectedVersion() });
    return presentKeyResult(actor, params.id!);
  });
  operation(router, api, { method: "delete", path: "/key-results/:id", tag: krTag, summary: "Delete a key result and its check-ins" }, async ({ actor, params, optionalVersion }) => {
    await okr.objectives.deleteKeyResult(actor, params.id!, optionalVersion());
  });
  operation(router, api, { method: "post", path: "/key-results/:id/check-ins", tag: krTag, summary: "Check in a new value (send your own id to retry safely)", body: s.checkInCreate, response: s.checkInResult, status: 201 }, async ({ actor, params, body, res }) => {
    const result = await okr.checkIns.checkIn(actor, params.id!, { id: body.id, value: body.value, status: body.status, note: body.note, expectedVersion: body.version, source: { kind: "manual" } });
    if (result.replayed) res.locals.status = 200;
    return { checkIn: checkInView(result.checkIn), keyResult: await presentKeyResult(actor, params.id!) };
  });
  operation(router, api, { method: "get", path: "/key-results/:id/check-ins", tag: krTag, summary: "Check-in history, newest first", query: s.pageQuery, response: s.page(s.checkInView) }, async ({ actor, params, query }) =>
    pageView(await okr.checkIns.history(actor, params.id!, query), checkInView),
  );

  const feedTag = "Activity";
  const subjects: Array<[string, SubjectType]> = [["objectives", "objective"], ["key-results", "keyResult"], ["projects", "project"]];
  for (const [segment, subjectType] of subjects) {
    operation(router, api, { method: "get", path: `/${segment}/:id/activity`, tag: feedTag, summary: `Activity feed of a ${subjectType}, newest first`, query: s.pageQuery, response: s.page(s.activityView) }, async ({ actor, params, query }) =>
      pageView(await okr.activity.feed(actor, subjectType, params.id!, query), activityView),
    );
    operation(router, api, { method: "post", path: `/${segment}/:id/comments`, tag: feedTag, summary: `Comment on a ${subjectType} (parentId to reply)`, body: s.commentCreate, response: s.activityView, status: 201, versioned: true }, async ({ actor, params, body }) =>
      activityView(await okr.activity.comment(actor, subjectType, params.id!, body)),
    );
  }
  operation(router, api, { method: "patch", path: "/comments/:id", tag: feedTag, summary: "Edit your comment", body: s.commentUpdate, response: s.activityView, versioned: true }, async ({ actor, params, body, expectedVersion }) =>
    activityView(await okr.activity.editComment(actor, params.id!, { text: body.text, version: expectedVersion() })),
  );
  operation(router, api, { method: "delete", path: "/comments/:id", tag: feedTag, summary: "Delete a comment (and its replies)" }, async ({ actor, params, optionalVersion }) => {
    await okr.activity.deleteComment(actor, params.id!, optionalVersion());
  });

  operation(router, api, { method: "get", path: "/export/okrs.csv", tag: "Export", summary: "CSV of a period's objectives and key results with progress and status", query: s.exportQuery, produces: "text/csv" }, async ({ actor, query, res }) => {
    const { filename, csv } = await okr.export.periodCsv(actor, query.periodId);
    res.setHeader("Content-Type", "text/csv; charset=utf-8");
    res.setHeader("Content-Disposition", `attachment; filename="${filename}"`);
    res.send(csv);
  });
  return router;
}
