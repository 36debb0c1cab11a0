import { Router } from "express";
import type { OkrServices } from "../../../core/okr/okrService.js";
import * as s from "../../../core/okr/schemas.js";
import { type ApiDescription, operation } from "../../http/apiRoute.js";
import { pageView, projectView } from "./okrViews.js";

/** Projects (initiatives) and their tasks. */
export function projectRoutes(okr: OkrServices, api: ApiDescription): Router {
  const router = Router();
  const tag = "Projects";
  operation(router, api, { method: "get", path: "/projects", tag, summary: "List projects (filters: objective, key result)", query: s.projectListQuery, response: s.page(s.projectView) }, async ({ actor, query }) =>
    pageView(await okr.projects.list(actor, query), projectView),
  );
  operation(router, api, { method: "post", path: "/projects", tag, summary: "Create a project under an objective or a key result", body: s.projectCreate, response: s.projectView, status: 201, versioned: true }, async ({ actor, body }) =>
    projectView(await okr.projects.create(actor, body)),
  );
  operation(router, api, { method: "get", path: "/projects/:id", tag, summary: "Get a project with its tasks and progress", response: s.projectView, versioned: true }, async ({ actor, params }) =>
    projectView((await okr.projects.get(actor, params.id!)).project),
  );
  operation(router, api, { method: "patch", path: "/projects/:id", tag, summary: "Edit a project", body: s.projectUpdate, response: s.projectView, versioned: true }, async ({ actor, params, body, expectedVersion }) =>
    projectView(await okr.projects.update(actor, params.id!, { ...body, version: expectedVersion() })),
  );
  operation(router, api, { method: "delete", path: "/projects/:id", tag, summary: "Delete a project" }, async ({ actor, params, optionalVersion }) => {
    await okr.projects.delete(actor, params.id!, optionalVersion());
  });
  operation(router, api, { method: "post", path: "/projects/:id/tasks", tag, summary: "Add a task (at most 500 per project)", body: s.taskCreate, response: s.projectView, status: 201, versioned: true }, async ({ actor, params, body, optionalVersion }) =>
    projectView((await okr.projects.addTask(actor, params.id!, { ...body, version: optionalVersion() })).project),
  );
  operation(router, api, { method: "patch", path: "/projects/:id/tasks/:taskId", tag, summary: "Edit a task (version: the project's)", body: s.taskUpdate, response: s.projectView, versioned: true }, async ({ actor, params, body, optionalVersion }) =>
    projectView((await okr.projects.updateTask(actor, params.id!, params.taskId!, { ...body, version: optionalVersion() })).project),
  );
  operation(router, api, { method: "delete", path: "/projects/:id/tasks/:taskId", tag, summary: "Delete a task", response: s.projectView, versioned: true }, async ({ actor, params, optionalVersion }) =>
    projectView(await okr.projects.deleteTask(actor, params.id!, params.taskId!, optionalVersion())),
  );
  return router;
}
