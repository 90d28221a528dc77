/**
 * The index page when there are no runs yet: says so and how to make one.
 *
 * @module
 */
import { renderPage } from "./_page.ts";

/** Renders the page shown when no run has been recorded yet. */
export function renderEmptyPage(options: { readonly generatedAt?: Date } = {}): string {
  const body = `<section class="card empty" id="no-runs">
<h2>No runs yet</h2>
<p>No experiment run has been recorded, so there is nothing to chart.</p>
<p>Make one by running the pipeline from the project folder:</p>
<pre>deno task pipeline</pre>
<p class="muted">Then open this page again, or rebuild it with <code>deno task report</code>.</p>
</section>`;
  return renderPage({
    title: "Experiment report",
    subtitle: "Runs of the movie recommender pipeline.",
    body,
    root: "",
    generatedAt: options.generatedAt,
  });
}
