/**
 * One episode of an experiment as a LangChain `Runnable`: `invoke(item)` sets up the
 * environment and agent, retrieves the memory's guidelines for the task (never an entry built
 * from the episode's own source), plays the episode, asks the benchmark for its verdict and
 * returns the episode record. `batch` runs several; callbacks and tracing see each episode as
 * one run with every model call inside it.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { CallbackManagerForChainRun } from "@langchain/core/callbacks/manager";
import { Runnable, patchConfig, type RunnableConfig } from "@langchain/core/runnables";
import type { AgentMiddleware } from "langchain";
import type { TextEnvironment } from "../environments/types.js";
import { excludeSource, MemorySession, proceduralMemoryMiddleware, type RetrievalTicket } from "../memory/index.js";
import { runEpisode } from "./episode.js";
import type { EpisodeRecord } from "./record.js";
import type { AgentMode, EpisodeItem, ExperimentSuite } from "./suite.js";

export interface EpisodeChainOptions {
  suite: ExperimentSuite;
  /** The chat model (every agent but the model-free replay agent needs one). */
  model?: BaseChatModel;
  agent: AgentMode;
  /** Seed of the replay agent's exploration. */
  seed?: number;
  fewShot: boolean;
  maxSteps: number;
  grammar?: string;
  /** The memory the episodes retrieve from; none for a no-memory run. */
  session?: MemorySession;
  /** Dollars for a usage, or null when the model's price is unknown. */
  cost?: (usage: EpisodeRecord["usage"]) => number | null;
}

export class EpisodeChain extends Runnable<EpisodeItem, EpisodeRecord> {
  lc_namespace = ["memp", "chains"];

  constructor(readonly options: EpisodeChainOptions) {
    super();
  }

  override getName(): string {
    return `${this.options.suite.env}-episode`;
  }

  override async invoke(item: EpisodeItem, config?: Partial<RunnableConfig>): Promise<EpisodeRecord> {
    return this._callWithConfig(this.play.bind(this), item, config);
  }

  private async play(item: EpisodeItem, config?: Partial<RunnableConfig>, runManager?: CallbackManagerForChainRun): Promise<EpisodeRecord> {
    const { suite, session } = this.options;
    const childConfig = patchConfig(config, { callbacks: runManager?.getChild() });
    let ticket: RetrievalTicket | undefined;
    const middleware: AgentMiddleware[] = [];
    if (session && this.options.agent === "tools") {
      // The middleware shows what the runner retrieved for the task sentence (not for the whole
      // first message); the runner records the episode itself, with the benchmark's verdict.
      middleware.push(proceduralMemoryMiddleware(session, { retrieve: async () => ticket!, record: false }));
    }
    const { env, agent } = await suite.setup(item, {
      model: this.options.model,
      agent: this.options.agent,
      fewShot: this.options.fewShot,
      maxSteps: this.options.maxSteps,
      grammar: this.options.grammar,
      seed: this.options.seed,
      middleware,
    });
    const result = await runEpisode(env as TextEnvironment, agent, {
      maxSteps: this.options.maxSteps,
      name: item.source,
      config: childConfig,
      guidance: session
        ? async (start) => {
            ticket = await session.retrieve(start.task, { exclude: excludeSource(suite.env, item.source), signal: childConfig.signal, config: childConfig });
            return { guidelines: ticket.guidelines, entries: ticket.retrieved.map((r) => r.entry) };
          }
        : undefined,
    });
    const verdict = await suite.judge(item, result, env);
    return {
      name: item.name,
      index: item.index,
      taskType: item.taskType,
      source: item.source,
      task: result.start.task,
      success: verdict.success,
      reward: verdict.reward,
      steps: result.steps,
      messages: result.messages,
      usage: result.usage,
      cost: this.options.cost?.(result.usage) ?? null,
      latencyMs: result.latencyMs,
      retrieved: ticket?.retrieved.map((r) => r.entry.id) ?? [],
      ...(verdict.facts ? { facts: verdict.facts } : {}),
      ...(verdict.details ? { details: verdict.details } : {}),
      finishedAt: new Date().toISOString(),
    };
  }
}

