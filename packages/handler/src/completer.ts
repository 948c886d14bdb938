import type { ProtocolClient, RequestOptions } from './client.js';
import { ApiError } from './errors.js';
import type { CompleteItem, CompleteRequest, CompleteResponse } from './protocol.js';

interface Pending {
  runId: string;
  body: CompleteRequest;
  resolve(answer: CompleteResponse): void;
  reject(err: unknown): void;
}

const MAX_BATCH = 500;

/**
 * Sends completions, batching them only when there is a queue: a completion goes out at once
 * when nothing is in flight (no added latency), and completions that finish while a request is
 * under way go together in the next one (`POST /workers/{id}/complete`). A busy worker thus
 * makes one request per batch instead of one per job. Each caller gets its own answer or error,
 * exactly as from the single-run call, so retry logic stays per job.
 */
export class Completer {
  private queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly client: ProtocolClient,
    /** Requests in flight at once; more completions wait and are batched. */
    private readonly parallel = 2,
  ) {}

  complete(runId: string, body: CompleteRequest, options: RequestOptions = {}): Promise<CompleteResponse> {
    // A retry with its own give-up signal goes alone, as before.
    if (options.signal) return this.client.complete(runId, body, options);
    return new Promise((resolve, reject) => {
      this.queue.push({ runId, body, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.parallel && this.queue.length > 0) {
      // One batch speaks for one worker id (jobs from before a re-registration keep their own).
      const workerId = this.queue[0]!.body.worker_id;
      const batch: Pending[] = [];
      const rest: Pending[] = [];
      for (const p of this.queue) (p.body.worker_id === workerId && batch.length < MAX_BATCH ? batch : rest).push(p);
      this.queue = rest;
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const [one] = batch as [Pending];
      await this.client.complete(one.runId, one.body).then(one.resolve, one.reject);
      return;
    }
    const items: CompleteItem[] = batch.map(({ runId, body }): CompleteItem => {
      const attempt = body.attempt === undefined ? {} : { attempt: body.attempt };
      return body.status === 'succeeded'
        ? { run_id: runId, ...attempt, status: 'succeeded', result: body.result }
        : { run_id: runId, ...attempt, status: 'failed', error: body.error };
    });
    try {
      const results = await this.client.completeMany(batch[0]!.body.worker_id, items);
      batch.forEach((p, i) => {
        const r = results[i];
        if (!r || r.run_id !== p.runId) p.reject(new ApiError(502, 'bad_batch_answer', 'the batch answer does not match the request'));
        else if (r.ok) p.resolve(r.response);
        else p.reject(new ApiError(r.status, r.code, r.message));
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
