import { badRequest, conflict, forbidden, notFound } from "../../errors/appError.js";
import { paginate, type Page, type PageRequest } from "../../store/pagination.js";
import type { Actor } from "../actor.js";
import type { Activity, SubjectType } from "../model.js";
import { isOrgAdmin } from "../permissions.js";
import { OkrContext, versionToUse } from "./context.js";

/** The activity feed and comments (with one level of replies, as in a Teams thread). */
export class ActivityService extends OkrContext {
  /** Resolves a subject to its objective (404 when it or its objective is gone). */
  async objectiveIdOf(tenantId: string, subjectType: SubjectType, subjectId: string): Promise<string> {
    if (subjectType === "objective") return (await this.requireObjective(tenantId, subjectId))._id;
    if (subjectType === "keyResult") return (await this.requireKeyResult(tenantId, subjectId)).objective._id;
    const project = await this.okr.projects.findById(tenantId, subjectId);
    if (!project || !(await this.okr.objectives.findById(tenantId, project.objectiveId))) throw notFound("Project");
    return project.objectiveId;
  }

  /** Newest first. An objective's feed includes its KRs' and projects' entries. */
  async feed(actor: Actor, subjectType: SubjectType, subjectId: string, page: PageRequest): Promise<Page<Activity>> {
    const objectiveId = await this.objectiveIdOf(actor.tenantId, subjectType, subjectId);
    const filter = subjectType === "objective" ? { objectiveId } : { subjectId };
    return paginate(this.okr.activity, actor.tenantId, filter, page, -1);
  }

  /** Everyone in the organisation may comment. A reply to a reply joins its thread. */
  async comment(actor: Actor, subjectType: SubjectType, subjectId: string, input: { text: string; parentId?: string | undefined }): Promise<Activity> {
    const { tenantId } = actor;
    const objectiveId = await this.objectiveIdOf(tenantId, subjectType, subjectId);
    let parentId: string | null = null;
    if (input.parentId) {
      const parent = await this.okr.activity.findById(tenantId, input.parentId);
      if (!parent || parent.kind !== "comment" || parent.subjectId !== subjectId) {
        throw badRequest("The comment to reply to does not exist here.", [{ path: "parentId", message: "no such comment on this item" }]);
      }
      parentId = parent.parentId ?? parent._id;
    }
    const at = this.now();
    const comment = await this.okr.activity.insert(
      tenantId,
      { kind: "comment", subjectType, subjectId, objectiveId, authorId: actor.userId, origin: actor.origin, at, text: input.text, parentId, data: {} },
      at,
    );
    void this.events.publish("activity.commented", { tenantId, comment });
    return comment;
  }

  async editComment(actor: Actor, id: string, input: { text: string; version?: number | undefined }): Promise<Activity> {
    const comment = await this.requireComment(actor, id);
    if (comment.authorId !== actor.userId) throw forbidden("Only its author can edit a comment.");
    // `data` also holds what Teams added (reaction counts, the thread's message ids): keep it; the version guards the read.
    const updated = await this.okr.activity.update(actor.tenantId, id, { $set: { text: input.text, data: { ...comment.data, edited: true } } }, { expectedVersion: versionToUse(input.version, comment) });
    if (!updated) throw notFound("Comment");
    return updated;
  }

  async deleteComment(actor: Actor, id: string, version?: number): Promise<void> {
    const comment = await this.requireComment(actor, id);
    if (comment.authorId !== actor.userId && !isOrgAdmin(actor)) throw forbidden("Only its author or an org admin can delete a comment.");
    if (version !== undefined && version !== comment.version) throw conflict("The comment changed meanwhile; reload and try again.", { currentVersion: comment.version });
    await this.okr.activity.delete(actor.tenantId, id);
    await this.okr.activity.deleteMany(actor.tenantId, { parentId: id, kind: "comment" });
  }

  private async requireComment(actor: Actor, id: string): Promise<Activity> {
    const comment = await this.okr.activity.findById(actor.tenantId, id);
    if (!comment || comment.kind !== "comment") throw notFound("Comment");
    return comment;
  }
}
