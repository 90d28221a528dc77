"""Executes one notebook headless on the Deno kernel and writes it as .ipynb and HTML.

Called by notebooks/run_notebooks.ts (`deno task notebooks`) with the Python of .venv:

    .venv/bin/python notebooks/_execute.py NOTEBOOK OUT_DIR [--cwd DIR] [--timeout SECONDS]

Writes OUT_DIR/<name>.ipynb and OUT_DIR/<name>.html (temp file + rename), also when a
cell fails, so the error can be read in the HTML. Exit status: 0 ok, 1 a cell failed,
2 the kernel or the set-up is missing.
"""

import argparse
import os
import queue
import re
import sys
import time


def _atomic_write(path, text):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


# nbconvert's lab template without the scripts it loads from a CDN (require.js, MathJax,
# Mermaid): the notebooks use none of them, and the page then reads the same offline.
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""

_REMOTE_SCRIPT = re.compile(r"<script[^>]*\ssrc=[\"']?https?://", re.IGNORECASE)


def _client_class():
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionComplete
    from nbclient.util import ensure_async

    class DenoNotebookClient(NotebookClient):
        """nbclient, tolerant of Deno's kernel publishing a result after the idle status.

        Deno 2.9's kernel sometimes sends a cell's `execute_result` on IOPub just after its
        `status: idle`; nbclient stops listening at idle and the output is lost (often the
        last cell's). After idle, keep reading IOPub for `late_output_grace` seconds and add
        the messages of this cell (no other cell runs meanwhile).
        """

        late_output_grace = 0.3

        async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
            await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
            while True:
                try:
                    msg = await ensure_async(
                        self.kc.iopub_channel.get_msg(timeout=self.late_output_grace)
                    )
                except queue.Empty:
                    return
                if msg["parent_header"].get("msg_id") != parent_msg_id:
                    continue
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    pass

    return DenoNotebookClient


def _html(nb, name):
    import jinja2
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        embed_images=True,
        extra_loaders=[jinja2.DictLoader({"offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="offline.html.j2",
    )
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
    if _REMOTE_SCRIPT.search(html):
        raise RuntimeError(f"Cannot write {name}.html: it still loads a script from the network")
    return html


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("out_dir")
    parser.add_argument("--cwd", default=None, help="working directory of the kernel")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--kernel", default="deno")
    args = parser.parse_args()

    try:
        import nbformat
        from jupyter_client.kernelspec import NoSuchKernel
        from nbclient.exceptions import CellExecutionError
        import nbconvert  # noqa: F401 (checked here, used by _html)
    except ImportError as error:
        print(
            f"Cannot execute notebooks: {error}; install Jupyter with `deno task setup`",
            file=sys.stderr,
        )
        return 2

    name = os.path.splitext(os.path.basename(args.notebook))[0]
    nb = nbformat.read(args.notebook, as_version=4)
    cwd = os.path.abspath(args.cwd or os.path.dirname(args.notebook))
    client = _client_class()(
        nb,
        timeout=args.timeout,
        kernel_name=args.kernel,
        allow_errors=False,
        resources={"metadata": {"path": cwd}},
    )
    failed = None
    started = time.monotonic()
    try:
        client.execute()
    except NoSuchKernel:
        print(
            f'Cannot execute {name}: no Jupyter kernel named "{args.kernel}"; '
            "register it with `deno jupyter --install`",
            file=sys.stderr,
        )
        return 2
    except CellExecutionError as error:
        failed = str(error)
    seconds = time.monotonic() - started
    nb.metadata.setdefault("movierec", {})["executionSeconds"] = round(seconds, 2)

    os.makedirs(args.out_dir, exist_ok=True)
    _atomic_write(os.path.join(args.out_dir, f"{name}.ipynb"), nbformat.writes(nb))
    _atomic_write(os.path.join(args.out_dir, f"{name}.html"), _html(nb, name))

    if failed is not None:
        print(f"Cell failed in {name}:\n{failed}", file=sys.stderr)
        return 1
    print(f"{name}: {len(nb.cells)} cells in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
