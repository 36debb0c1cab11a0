import type { ConversationReference, OutgoingActivity } from "../activity.js";
import { retryDecision, type RetryPolicy, TEAMS_RETRY_POLICY, waitBeforeSend } from "./retryPolicy.js";

export type SendOutcome =
  | { ok: true; id: string | undefined }
  | { ok: false; status: number; retryAfterMs: number | undefined; error: string };

export type Sender = (reference: ConversationReference, activity: OutgoingActivity, options?: { replyToId?: string }) => Promise<SendOutcome>;

export interface SendQueueOptions {
  policy?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  onGiveUp?: (info: { conversationId: string; status: number; error: string; attempts: number }) => void;
}

/**
 * One queue per conversation: sends to a conversation go one at a time, in order, spaced under
 * Teams' per-conversation limits, and a throttled or failed send is retried (see retryPolicy.ts)
 * before the next one starts. Different conversations do not wait for each other.
 */
export class ConversationSendQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly history = new Map<string, number[]>();
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private closed = false;

  constructor(
    private readonly send: Sender,
    private readonly options: SendQueueOptions = {},
  ) {
    this.policy = options.policy ?? TEAMS_RETRY_POLICY;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()));
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  enqueue(reference: ConversationReference, activity: OutgoingActivity, sendOptions: { replyToId?: string } = {}): Promise<SendOutcome> {
    const key = reference.conversation.id;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.then(() => this.deliver(key, reference, activity, sendOptions));
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  /** Resolves when every queued send has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  close(): void {
    this.closed = true;
  }

  private async deliver(key: string, reference: ConversationReference, activity: OutgoingActivity, sendOptions: { replyToId?: string }): Promise<SendOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      const sent = this.history.get(key) ?? [];
      const wait = waitBeforeSend(sent, this.now());
      if (wait > 0) await this.sleep(wait);
      const now = this.now();
      this.history.set(key, [...sent.filter((t) => t > now - 3_600_000), now]);
      const outcome = await this.send(reference, activity, sendOptions);
      if (outcome.ok) return outcome;
      const decision = retryDecision(outcome, attempt, this.policy, this.random);
      if (!decision.retry || this.closed) {
        this.options.onGiveUp?.({ conversationId: key, status: outcome.status, error: outcome.error, attempts: attempt });
        return outcome;
      }
      await this.sleep(decision.delayMs);
    }
  }
}
