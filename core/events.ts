import type { Activity, CheckIn, KeyResult, Objective } from "./okr/model.js";

/**
 * Domain events, published in-process after a change is stored. Subscribers (the bot posting to
 * Teams, caches…) run after the write and can never fail or slow it: errors are reported to
 * `onError`, never thrown to the publisher. Events are not persisted: a subscriber that must not
 * miss anything reads the store (check-ins and activity are the durable record).
 */
export interface DomainEvents {
  "keyResult.checkedIn": {
    tenantId: string;
    checkIn: CheckIn;
    keyResult: KeyResult;
    objective: Objective;
    progress: number;
  };
  "objective.closed": { tenantId: string; objective: Objective };
  "activity.commented": { tenantId: string; comment: Activity };
}

export type EventName = keyof DomainEvents;
export type EventHandler<K extends EventName> = (payload: DomainEvents[K]) => void | Promise<void>;

export class EventBus {
  private readonly handlers = new Map<EventName, Set<EventHandler<never>>>();

  constructor(private readonly onError: (error: unknown, event: EventName) => void = () => {}) {}

  /** Returns the unsubscribe function. */
  subscribe<K extends EventName>(event: K, handler: EventHandler<K>): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler as EventHandler<never>);
    return () => set.delete(handler as EventHandler<never>);
  }

  /** Runs every handler; resolves when all have settled (publishers normally don't wait). */
  async publish<K extends EventName>(event: K, payload: DomainEvents[K]): Promise<void> {
    const handlers = [...(this.handlers.get(event) ?? [])] as EventHandler<K>[];
    await Promise.all(
      handlers.map(async (handler) => {
        try {
          await handler(payload);
        } catch (error) {
          this.onError(error, event);
        }
      }),
    );
  }
}
