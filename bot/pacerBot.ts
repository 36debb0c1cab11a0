import type { CallerResolver } from "../core/auth/callerResolver.js";
import type { Config } from "../core/config/config.js";
import type { Logger } from "../core/log/logger.js";
import type { OkrServices } from "../core/okr/okrService.js";
import type { Store } from "../core/store/store.js";
import type { RequestHandler, Router } from "express";
import type { DomainEvents } from "../core/events.js";
import type { ApiDescription } from "../server/http/apiRoute.js";
import type { ScheduledJob } from "../sync/scheduler.js";
import { createBotAdapter } from "./adapter/botAdapter.js";
import type { BotDeps } from "./handlers/context.js";
import { tabLink } from "./handlers/context.js";
import { botRoutes } from "./api/botRoutes.js";
import { DebouncedBatches } from "./notifications/batcher.js";
import { batchKey, conversationsFor, deliverProgress, mirrorComment } from "./notifications/progressNotifier.js";
import { type ReminderOptions, reminderJob } from "./reminders/reminders.js";
import { ConversationSendQueue } from "./notifications/sendQueue.js";
import { createRouter } from "./router.js";
import { BotStore } from "./store/botStore.js";

export interface PacerBot {
  /** POST /api/messages (expects a JSON body). */
  handler: RequestHandler;
  /** REST endpoints under /api/v1/bot (reminder settings, subscriptions), behind the API's sign-in. */
  routes(api: ApiDescription): Router;
  /** Scheduler jobs (check-in reminders), for processes that run the scheduler. */
  jobs(options?: ReminderOptions): ScheduledJob[];
  /** Resolves when batched progress cards and queued proactive sends are done (tests, shutdown). */
  idle(): Promise<void>;
  close(): void;
}

export interface PacerBotOptions {
  config: Config;
  log: Logger;
  store: Store;
  okr: OkrServices;
  resolver: CallerResolver;
}

/** Wiring only: adapter, router, proactive queue, event subscriptions. Behaviour lives in handlers/. */
export function createPacerBot(options: PacerBotOptions): PacerBot {
  const { config, okr } = options;
  const log = options.log.child({ component: "bot" });
  const bots = new BotStore(options.store);
  const deps: BotDeps = { okr, bots, resolver: options.resolver, log, tabEndpoint: config.TAB_ENDPOINT, allowedTenants: config.PACER_ALLOWED_TENANTS };
  const adapter = createBotAdapter(config, log, createRouter(deps));
  if (!adapter.authenticated) log.warn("BOT_ID is empty: /api/messages accepts unauthenticated requests (local testing only)");
  const queue = new ConversationSendQueue(adapter.sendToConversation, {
    onGiveUp: (info) => log.warn(info, "gave up sending to a Teams conversation"),
  });
  const notifier = { okr, bots, queue, log, tabLink: (path: string) => tabLink(deps, path), connector: adapter };
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    const tracked = work.catch((error: unknown) => log.error({ err: error }, "bot notification failed")).finally(() => pending.delete(tracked));
    pending.add(tracked);
  };
  // Check-ins of one sync run arrive as one event per key result: batch them per conversation.
  const batches = new DebouncedBatches<DomainEvents["keyResult.checkedIn"]>({
    windowMs: config.PACER_BOT_BATCH_MS,
    flush: (key, events) => deliverProgress(notifier, key, events),
    onError: (error) => log.error({ err: error }, "could not post a progress card"),
  });
  const batchCheckIn = async (event: DomainEvents["keyResult.checkedIn"]) => {
    for (const conversationId of await conversationsFor(notifier, event)) batches.add(batchKey(event.tenantId, conversationId), event);
  };
  const unsubscribes = [
    okr.events.subscribe("keyResult.checkedIn", (event) => track(batchCheckIn(event))),
    okr.events.subscribe("activity.commented", (event) => track(mirrorComment(notifier, event))),
  ];
  return {
    handler: adapter.handler,
    routes: (api) => botRoutes(deps, api),
    jobs: (jobOptions) => [reminderJob(notifier, jobOptions)],
    async idle() {
      while (pending.size > 0 || batches.size > 0) {
        await Promise.all([...pending]);
        await batches.idle();
      }
      await queue.idle();
    },
    close() {
      for (const unsubscribe of unsubscribes) unsubscribe();
      const dropped = batches.discard();
      if (dropped > 0) log.warn({ dropped }, "stopped before posting batched progress cards");
      queue.close();
    },
  };
}
