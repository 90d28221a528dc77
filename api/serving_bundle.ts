/**
 * The pieces a model is served with (catalog, popular list, each user's seen
 * movies), read from the model's own serving bundle (`serving/` beside
 * `model.bin`: `recommender/scoring/serving_bundle.ts`) when it has one, so a replica
 * loading `models:/NAME@ALIAS` needs no `data/` folder. A model without a
 * bundle (a pipeline data folder, an older registry version) is served with
 * the data folder's pieces, after checking that the training ratings there
 * are the ones the model was fit on ({@linkcode checkSeenMatchesModel}).
 *
 * @module
 */
import type { ModelManifest } from "../recommender/core/model.ts";
import { hashRatings, type Ratings } from "../recommender/core/ratings.ts";
import { PopularList } from "../recommender/scoring/popular_list.ts";
import {
  BUNDLE_DATA_FILES,
  BUNDLE_FILE,
  type BundleFileName,
  decodeServingBundle,
  parseBundleManifest,
  SERVING_DIR,
  type ServingBundleManifest,
} from "../recommender/scoring/serving_bundle.ts";
import { Catalog } from "./catalog.ts";

/** Reads one file of a model's artifact folder by its relative path; null when it is absent. */
export type ArtifactReader = (path: string) => Promise<Uint8Array | null>;

/** What a model is served with, and where it came from. */
export interface ServingData {
  readonly catalog: Catalog;
  readonly popularity: PopularList;
  /** The split's training ratings (each user's seen movies, with the ratings). */
  readonly train: Ratings | null;
  /** The bundle's manifest, or null when the pieces came from a data folder. */
  readonly bundle: ServingBundleManifest | null;
}

/**
 * Reads and checks the serving bundle of a model through `read`; null when
 * the model has none (`serving/bundle.json` is absent). Throws, naming
 * `where`, for a bundle that does not belong to `model` or a damaged piece.
 */
export async function readServingBundle(
  read: ArtifactReader,
  model: ModelManifest,
  where: string,
): Promise<ServingData | null> {
  const manifestBytes = await read(`${SERVING_DIR}/${BUNDLE_FILE}`);
  if (manifestBytes === null) return null;
  const manifest = parseBundleManifest(manifestBytes, `${where} ${SERVING_DIR}/${BUNDLE_FILE}`);
  const bytes = await Promise.all(BUNDLE_DATA_FILES.map((f) => read(`${SERVING_DIR}/${f}`)));
  const files = {} as Record<BundleFileName, Uint8Array>;
  for (const [i, name] of BUNDLE_DATA_FILES.entries()) {
    const b = bytes[i];
    if (!b) {
      throw new Error(
        `Cannot serve ${where}: its serving bundle has no ${SERVING_DIR}/${name}: log the model and its serving/ folder together (re-run the pipeline's track step)`,
      );
    }
    files[name] = b;
  }
  const pieces = decodeServingBundle(manifest, files, model, where);
  return {
    catalog: Catalog.fromColumns(pieces.catalog),
    popularity: PopularList.fromArrays(pieces.popular),
    train: pieces.seen,
    bundle: manifest,
  };
}

/** Hashes of the (read-only) served ratings: both champions check the same table. */
const _hashes = new WeakMap<Ratings, string>();

/**
 * Checks that a data folder's training ratings are the ones `model` was fit
 * on (its `trainDataHash`): equal hashes, or, for a model fitted without its
 * validation holdout (`train.refit: false`), a holdout carved from exactly
 * these ratings (the model folder's `validation.json` counts: fitted plus
 * held-out ratings = these ratings). A model that records no hash is not
 * checked. Throws naming both hashes and what to fix.
 */
export function checkSeenMatchesModel(
  train: Ratings | null,
  model: ModelManifest,
  options: {
    where: string;
    trainPath: string;
    validation?: { trainRatings: number; holdoutRatings: number };
  },
): void {
  const want = model.trainDataHash;
  if (!want || !train) return;
  let have = _hashes.get(train);
  if (have === undefined) _hashes.set(train, have = hashRatings(train));
  if (have === want) return;
  const v = options.validation;
  if (v && v.trainRatings + v.holdoutRatings === train.rating.length) return;
  throw new Error(
    `Cannot serve ${options.where}: it was trained on other ratings (data hash ${
      want.slice(0, 12)
    }...) than ${options.trainPath} (${
      have.slice(0, 12)
    }...), so its "already seen" movies would be wrong: serve it with the data folder of the run that trained it (--data-dir), or from the registry with its serving bundle`,
  );
}
