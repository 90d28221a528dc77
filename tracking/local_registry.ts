/**
 * The local model registry: registered model name -> versions, and aliases
 * (`champion`), one JSON file per model under `<root>/.models/`.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../lib/atomic.ts";
import {
  encodeRegisteredModel,
  type RegisteredModelFile,
  registeredModelSchema,
} from "./_run_json.ts";
import type { RegisteredVersion } from "./run_store.ts";
import {
  decideTaskAlias,
  holderFromTags,
  type TaskAliasRequest,
  taskAliasTags,
} from "./task_alias.ts";

/** The alias moved to a version that beats the current one's RMSE. */
export const CHAMPION = "champion";

/** One version of a registered model in the local registry. */
export interface LocalModelVersion {
  readonly version: string;
  readonly runId: string;
  readonly experiment: string;
  /** Folder of the model files, relative to the store root. */
  readonly source: string;
  readonly rmse: number;
  readonly createdAt: number;
  /** Task alias facts (see `task_alias.ts`). */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Registered models kept as files beside the local runs. */
export class LocalModelRegistry {
  /** Folder of the registry files. */
  readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, ".models");
  }

  #path(name: string): string {
    return join(this.dir, `${encodeURIComponent(name).replace(/^\./, "%2E")}.json`);
  }

  /** The registered model, or undefined if it was never registered. */
  async get(name: string): Promise<RegisteredModelFile | undefined> {
    const path = this.#path(name);
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
    const parsed = registeredModelSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new Error(
        `Cannot read registered model file ${path}: ${parsed.error.issues[0]?.message}`,
      );
    }
    return parsed.data;
  }

  /** The version an alias points to, or undefined. */
  async alias(name: string, alias: string = CHAMPION): Promise<LocalModelVersion | undefined> {
    const model = await this.get(name);
    const version = model?.aliases[alias];
    return model?.versions.find((v) => v.version === version);
  }

  /**
   * Adds a version; moves `champion` to it when there is no champion yet or its
   * RMSE is strictly lower than the champion's.
   */
  async register(
    entry: Omit<LocalModelVersion, "version" | "createdAt" | "tags"> & {
      name: string;
      taskAliases?: readonly TaskAliasRequest[];
    },
  ): Promise<RegisteredVersion> {
    const model: RegisteredModelFile = (await this.get(entry.name)) ??
      { formatVersion: 1, name: entry.name, versions: [], aliases: {} };
    const last = model.versions.reduce((m, v) => Math.max(m, Number(v.version)), 0);
    const version = String(last + 1);
    const tags: Record<string, string> = {};
    for (const request of entry.taskAliases ?? []) Object.assign(tags, taskAliasTags(request));
    model.versions.push({
      version,
      runId: entry.runId,
      experiment: entry.experiment,
      source: entry.source,
      rmse: entry.rmse,
      createdAt: Date.now(),
      ...(Object.keys(tags).length > 0 ? { tags } : {}),
    });
    const current = model.versions.find((v) => v.version === model.aliases[CHAMPION]);
    const champion = isBetter(entry.rmse, current?.rmse);
    if (champion) model.aliases[CHAMPION] = version;
    const taskAliases = (entry.taskAliases ?? []).map((request) => {
      const holding = model.versions.find((v) => v.version === model.aliases[request.alias]);
      const decision = decideTaskAlias(
        request,
        holding ? holderFromTags(request.alias, holding.tags ?? {}) : undefined,
      );
      if (decision.move) model.aliases[request.alias] = version;
      return { alias: request.alias, ...decision };
    });
    await writeFileAtomic(this.#path(entry.name), encodeRegisteredModel(model));
    return {
      registeredName: entry.name,
      version,
      champion,
      ...(current ? { previousChampionRmse: current.rmse } : {}),
      ...(taskAliases.length > 0 ? { taskAliases } : {}),
    };
  }
}

/** True when `rmse` should replace a champion with `championRmse` (lower wins; NaN never). */
export function isBetter(rmse: number, championRmse: number | undefined): boolean {
  if (Number.isNaN(rmse)) return false;
  if (championRmse === undefined || Number.isNaN(championRmse)) return true;
  return rmse < championRmse;
}
