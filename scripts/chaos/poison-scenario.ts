/**
 * Poison messages during a run: garbage on every topic a function consumes, a
 * completion for a shard outside the run and one of an unknown version. The run
 * beside them must end as the fault-free run does, and each undecodable message
 * must be parked on the dead-letter topic by the function it was pushed to, with
 * its reason (read back through a subscription opened before the publish).
 */
import { randomBytes } from 'node:crypto';
import { sleep } from '../stack/processes.ts';
import { DeadLetterTap } from './evidence.ts';
import { faulted, LIGHT, timed, type ChaosContext } from './harness.ts';
import type { ChaosRow } from './verdict.ts';

/** How long parked messages may take to come back through the tap after the run ended. */
const PARK_WAIT_MILLISECONDS = 60_000;

const TOPICS = [
  ['runRequests', 'run-request'],
  ['dispatch', 'dispatch'],
  ['completions', 'collect'],
  ['aggregate', 'aggregate'],
  ['reconcile', 'reconcile'],
] as const;

interface Poison {
  label: string;
  source: string;
  data: Buffer;
}

export function poisonScenario(ctx: ChaosContext): Promise<ChaosRow> {
  let tap: DeadLetterTap | undefined;
  const poisons: Poison[] = [];
  return timed('poison messages during a run', () =>
    faulted(ctx, LIGHT, {
      before: async () => {
        tap = await DeadLetterTap.open(ctx.pubsub, ctx.stack.topics.deadLetter);
      },
      during: async (runId) => {
        const nonce = randomBytes(4).toString('hex');
        for (const [topic, source] of TOPICS) poisons.push({ label: `garbage on ${topic}`, source, data: Buffer.from(`\u0000{not json ${nonce} ${topic}`) });
        poisons.push({ label: 'wrong-version completion', source: 'collect', data: Buffer.from(JSON.stringify({ v: 2, runId, nonce })) });
        for (const [i, p] of poisons.entries()) {
          const topic = i < TOPICS.length ? TOPICS[i]![0] : 'completions';
          await ctx.pubsub.topic(ctx.stack.topics[topic]).publishMessage({ data: p.data });
        }
        // Decodable but outside the run: ignored by collect (the judgement shows it counted nothing), not parked.
        await ctx.pubsub.topic(ctx.stack.topics.completions).publishMessage({
          json: { v: 1, runId, shard: 999, attempt: 0, cluster: 'worker-a', status: 'succeeded', parameters: 1, parametersFailed: 0, cpuSeconds: 0 },
        });
      },
      evidence: async () => {
        const parkedAs = (p: Poison) =>
          tap!.parked.find(
            (m) =>
              m.data !== undefined && Buffer.from(m.data, 'base64').equals(p.data) && m.source === p.source && m.reason === 'UNDECODABLE' && Boolean(m.detail),
          );
        const deadline = Date.now() + PARK_WAIT_MILLISECONDS;
        while (poisons.some((p) => !parkedAs(p)) && Date.now() < deadline) await sleep(250);
        const missing = poisons.filter((p) => !parkedAs(p));
        return {
          faultObserved: poisons.length === TOPICS.length + 1 && missing.length === 0,
          evidence: missing.length
            ? `not parked: ${missing.map((p) => `${p.label} (by ${p.source})`).join(', ')}`
            : `${poisons.length}/${poisons.length} parked UNDECODABLE with a reason, each by the function it was pushed to (${poisons.map((p) => p.source).join(', ')})`,
        };
      },
      cleanup: async () => {
        await tap?.close();
      },
    }),
  );
}
