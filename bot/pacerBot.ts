import type { CallerResolver } from "../core/auth/callerResolver.js";
import type { Config } from "../core/config/config.js";
import type { Logger } from "../core/log/logger.js";
import type { OkrServices } from "../core/okr/okrService.js";
import type { Store } from "../core/store/store.js";
import type { RequestHandler } from "express";
import { createBotAdapter } from "./adapter/botAdapter.js";
import type { BotDeps } from "./handlers/context.js";
import { tabLink } from "./handlers/context.js";
import { mirrorComment, postProgress } from "./notifications/progressNotifier.js";
import { ConversationSendQueue } from "./notifications/sendQueue.js";
import { createRouter } from "./router.js";
import { BotStore } from "./store/botStore.js";

export interface PacerBot {
  /** POST /api/messages (expects a JSON body). */
  handler: RequestHandler;
  /** Resolves when queued proactive sends are done (tests, shutdown). */
  idle(): Promise<void>;
  close(): void;
}

/** Wiring only: adapter, router, proactive queue, event subscriptions. Behaviour lives in handlers/. */
export function createPacerBot(options: { config: Config; log: Logger; store: Store; okr: OkrServices; resolver: CallerResolver }): PacerBot {
  const { config, okr } = options;
  const log = options.log.child({ component: "bot" });
  const bots = new BotStore(options.store);
  const deps: BotDeps = { okr, bots, resolver: options.resolver, log, tabEndpoint: config.TAB_ENDPOINT, allowedTenants: config.PACER_ALLOWED_TENANTS };
  const adapter = createBotAdapter(config, log, createRouter(deps));
  if (!adapter.authenticated) log.warn("BOT_ID is empty: /api/messages accepts unauthenticated requests (local testing only)");
  const queue = new ConversationSendQueue(adapter.sendToConversation, {
    onGiveUp: (info) => log.warn(info, "gave up sending to a Teams conversation"),
  });
  const notifier = { okr, bots, queue, log, tabLink: (path: string) => tabLink(deps, path) };
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    const tracked = work.catch((error: unknown) => log.error({ err: error }, "bot notification failed")).finally(() => pending.delete(tracked));
    pending.add(tracked);
  };
  const unsubscribes = [
    okr.events.subscribe("keyResult.checkedIn", (event) => track(postProgress(notifier, event))),
    okr.events.subscribe("activity.commented", (event) => track(mirrorComment(notifier, event))),
  ];
  return {
    handler: adapter.handler,
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
      await queue.idle();
    },
    close() {
      for (const unsubscribe of unsubscribes) unsubscribe();
      queue.close();
    },
  };
}
