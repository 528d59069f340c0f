"""The ``unstrip`` command: restore, damage, repair encoding, evaluate.

``unstrip FILE`` (or text on standard input) restores damaged text to
standard output; the subcommands below expose each stage. Errors in the
input (invalid UTF-8, binary files, unreadable paths) end with a message
naming the problem and exit code 2.

    $ echo "Its a selfproclaimed win the groups leader said" | unstrip
    It's a self-proclaimed win, the group's leader said.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from unstrip import __version__
from unstrip.corpus import CorpusError, Document, is_jsonl, iter_documents
from unstrip.profiles import PROFILES
from unstrip.restorer import PROFILE_CHOICES, Restorer
from unstrip.textio import InputError, iter_text_chunks

ERRORS = click.Choice(["strict", "replace"])


class _DefaultGroup(click.Group):
    """A group that runs ``restore`` when the first argument is not a command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h",
                                                                         "--version")):
            args = ["restore", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="unstrip")
def cli() -> None:
    """Turn damaged text back into the text as written.

    With no command, restores FILE (or standard input) like `unstrip restore`:
    punctuation, apostrophes, hyphens, quotes, digit separators and paragraph
    breaks that a pipeline stripped, casing a speech recogniser dropped, and
    encoding a scraper broke.

    \b
    Examples:
      echo "Its a selfproclaimed win the groups leader said" | unstrip
      unstrip restore article.txt -o restored.txt --explain
      unstrip damage --profile seed clean.txt
      unstrip fix-encoding scraped.txt
      unstrip eval gold.txt
      unstrip serve --port 8000                 (pip install 'unstrip[serve]')
      unstrip train ../shared/corpora/*.jsonl.gz --out runs/x   (pip install 'unstrip[train]')
    """


@contextmanager
def _output(path: str | None) -> Iterator:
    """Standard output, or a file written atomically (renamed into place when done)."""
    if path in (None, "-"):
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def _chunks(path: str | None, errors: str) -> Iterator[str]:
    if path in (None, "-"):
        yield from iter_text_chunks(sys.stdin.buffer, errors=errors, name="<stdin>")
        return
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{path}: is a directory, not a text file")
    try:
        fh = p.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    with fh:
        yield from iter_text_chunks(fh, errors=errors, name=str(path))


def _read(path: str | None, errors: str) -> str:
    return "".join(_chunks(path, errors))


def _fail(message: str) -> None:
    click.echo(f"unstrip: {message}", err=True)
    sys.exit(2)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except (InputError, CorpusError, ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)


_profile_option = click.option(
    "--profile",
    type=click.Choice(PROFILE_CHOICES),
    default="auto",
    show_default=True,
    help="The damage the input shows. auto detects stripped, lowercased, "
    "mis-encoded or already punctuated text.",
)
_model_option = click.option(
    "--model",
    default="auto",
    show_default=True,
    help="Which model restores: auto (the learned model shipped in the package, "
    "else the baseline), learned, baseline, or a path to an exported model directory.",
)
_errors_option = click.option(
    "--errors",
    type=ERRORS,
    default="strict",
    show_default=True,
    help="What to do with bytes that are not UTF-8: stop with an error naming "
    "the offset, or replace them with U+FFFD.",
)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write here instead of standard output (atomically).")
@_profile_option
@click.option("--explain", is_flag=True,
              help="Print JSON: the text plus every insertion with its offset and confidence.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json is the same as --explain.")
@_model_option
@_errors_option
def restore(files, output, profile, explain, fmt, model, errors) -> None:
    """Restore FILES (or standard input) and print the text as written.

    Each file is restored on its own; long inputs stream through in windows,
    so memory stays bounded. With --explain (or --format json) the output is
    one JSON object per file: {"file", "text", "profile", "insertions":
    [{"offset", "insert", "confidence"}], "recased", "encoding_repairs"}, with
    offsets counted in characters of the input.
    """
    restorer = Restorer(model)
    explain = explain or fmt == "json"
    with _user_errors(), _output(output) as out:
        for path in files or (None,):
            if explain:
                result = restorer.explain(_read(path, errors), profile).to_dict()
                out.write(json.dumps({"file": path or "-", **result}, ensure_ascii=False))
                out.write("\n")
            else:
                for piece in restorer.restore_stream(_chunks(path, errors), profile):
                    out.write(piece)


@cli.command()
@click.option("--profile", type=click.Choice(list(PROFILES)), default="seed",
              show_default=True, help="Which damage to apply.")
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write here instead of standard output.")
@_errors_option
def damage(profile, file, output, errors) -> None:
    """Damage clean text the way pipelines do (to make test data).

    \b
    seed      delete all but ASCII letters, digits and spaces
    lower     seed, then lowercase (speech-recogniser style)
    newlines  keep punctuation, flatten line breaks to one space
    mojibake  UTF-8 read as Windows-1252, undefined bytes dropped
    """
    fn = PROFILES[profile]
    with _user_errors():
        text = _read(file, errors)
        with _output(output) as out:
            out.write(fn(text))


@cli.command("fix-encoding")
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write here instead of standard output.")
@click.option("--explain", is_flag=True, help="List the repairs on standard error.")
@_errors_option
def fix_encoding_cmd(file, output, explain, errors) -> None:
    """Repair mojibake (UTF-8 read as Windows-1252), lost bytes included.

    Clean text passes through unchanged; nothing else (quotes, widths,
    Unicode normalisation) is touched.
    """
    from unstrip.encoding import fix_encoding_and_explain

    with _user_errors():
        text = _read(file, errors)
        fixed, repairs = fix_encoding_and_explain(text)
        with _output(output) as out:
            out.write(fixed)
        if explain:
            for r in repairs:
                click.echo(f"{r.position}\t{r.kind}\t{r.before!r} -> {r.after!r}", err=True)
            click.echo(f"{len(repairs)} repairs", err=True)


def _load_docs(path: str, errors: str) -> list[Document]:
    p = Path(path)
    if is_jsonl(p):
        return list(iter_documents([p]))
    return [Document(id=p.stem, text=_read(path, errors))]


@cli.command("eval")
@click.argument("gold", required=False, type=click.Path(exists=True, dir_okay=False))
@click.argument("pred", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--profile", type=click.Choice(list(PROFILES)), default="seed",
              show_default=True,
              help="The damage to score against (and to apply when PRED is omitted).")
@click.option("--json", "as_json", is_flag=True, help="Print the measures as JSON.")
@click.option("--split", default=None,
              help="Only score JSONL documents whose split field is this (e.g. dev).")
@click.option("--limit", type=int, default=None, help="Score at most this many documents.")
@click.option("--iwslt", type=click.Path(exists=True, dir_okay=False),
              help="Score on an IWSLT TED file (token TAB O/COMMA/PERIOD/QUESTION) instead.")
@click.option("--block", type=int, default=None,
              help="With --iwslt: score only this one of 10 contiguous blocks (-1 = last).")
@_model_option
@_errors_option
def eval_cmd(gold, pred, profile, as_json, split, limit, iwslt, block, model, errors) -> None:
    """Score restorations of GOLD (a .txt file or JSONL of {"id","text"}).

    With PRED (same format; JSONL matched by id), score it against GOLD.
    Without it, damage GOLD with --profile, restore it with the current
    restorer and score that. Prints per-mark precision/recall/F1, marks
    micro-F1, insertion error rate, CER and invariant violations.

    With --iwslt FILE.tsv, follow the published IWSLT protocol instead:
    restore the lowercased tokens, map marks after each token to COMMA /
    PERIOD / QUESTION, and print precision/recall/F1 per class and overall.
    """
    from tqdm import tqdm

    from unstrip.scoring import score_document

    if iwslt is not None:
        from unstrip import iwslt as iw

        with _user_errors():
            pairs = iw.read_tsv(iwslt)
            if block is not None:
                pairs = iw.split_blocks(pairs)[block]
            result = iw.evaluate_pairs(pairs[:limit] if limit else pairs, Restorer(model))
            click.echo(json.dumps(result.to_dict(), indent=2) if as_json
                       else result.format_table())
        return
    with _user_errors():
        if gold is None:
            raise ValueError("give GOLD (and optionally PRED), or --iwslt FILE.tsv")
        golds = _load_docs(gold, errors)
        if split is not None:
            golds = [d for d in golds if d.split == split]
        golds = golds[:limit] if limit else golds
        if not golds:
            raise ValueError(f"{gold}: no documents to score")
        if pred is None:
            restorer = Restorer(model)
            damage_fn = PROFILES[profile]
            target = "mojibake" if profile == "mojibake" else profile
            if target in ("seed", "lower"):
                restore_profile = target
            else:
                restore_profile = "auto"
            preds = [restorer.restore(damage_fn(d.text), restore_profile)
                     for d in tqdm(golds, desc="restoring", unit="doc", disable=len(golds) < 20,
                                   file=sys.stderr)]
        else:
            by_id = {d.id: d.text for d in _load_docs(pred, errors)}
            if len(golds) == 1 and len(by_id) == 1:
                preds = list(by_id.values())
            else:
                missing = [d.id for d in golds if d.id not in by_id]
                if missing:
                    raise ValueError(f"{pred}: no prediction for {len(missing)} documents, "
                                     f"e.g. id {missing[0]!r}")
                preds = [by_id[d.id] for d in golds]
        if profile == "mojibake":
            _report_exact(golds, preds, as_json)
            return
        total = None
        for d, p in zip(golds, preds, strict=True):
            s = score_document(d.text, p, profile)
            total = s if total is None else total + s
        click.echo(total.to_json(indent=2) if as_json else total.format_table())


def _report_exact(golds: list[Document], preds: list[str], as_json: bool) -> None:
    from rapidfuzz.distance import Levenshtein

    exact = sum(d.text == p for d, p in zip(golds, preds, strict=True))
    edits = sum(Levenshtein.distance(d.text, p) for d, p in zip(golds, preds, strict=True))
    chars = sum(len(d.text) for d in golds) or 1
    result = {"profile": "mojibake", "documents": len(golds), "exact": exact,
              "exact_rate": round(exact / len(golds), 4), "cer": round(edits / chars, 6)}
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        for k, v in result.items():
            click.echo(f"{k:<12}{v}")


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False))
@click.argument("output_path", metavar="OUTPUT", type=click.Path())
@click.option("--field", default="text", show_default=True, help="Column holding the text.")
@_profile_option
@click.option("--workers", type=int, default=None,
              help="Worker processes, each loading the model once "
              "(default: CPUs / 2; 0: in this process). With --engine ray: actors.")
@click.option("--batch-size", type=int, default=64, show_default=True,
              help="Records per batch; progress is saved after each batch.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False), default=None,
              help="Where records that cannot be restored go (default OUTPUT.errors.jsonl).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local",
              show_default=True,
              help="local: worker processes on this machine. ray: a Ray Data job "
              "(pip install 'unstrip[ray]'); OUTPUT is then a new folder of part files.")
@click.option("--address", default=None, metavar="ADDR",
              help="With --engine ray: the cluster to join, as HEAD:6379 (the head's "
              "`ray start --head` address); default: a local Ray instance started for "
              "the run.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar.")
@_model_option
def batch(input_path, output_path, field, profile, workers, batch_size, errors_path,
          engine, address, progress, model) -> None:
    """Restore the FIELD of every record of a JSONL, CSV or Parquet file.

    Other columns are carried through unchanged and the output appears
    atomically when the run is done. A run that is killed resumes where it
    stopped when started again with the same arguments, losing and
    duplicating nothing. Records that cannot be restored go to the errors
    file with their id and reason; the summary counts in = out + errors.
    Parquet needs: pip install 'unstrip[batch]'.

    With --engine ray the same job runs as a Ray Data job (read, map_batches,
    write) on a local Ray instance, or with --address on a running cluster
    whose nodes all have unstrip[ray] and see INPUT and OUTPUT at the same
    paths: --workers actors (default: one per CPU of the cluster), each taking
    one CPU and holding the model once. OUTPUT is then a new folder of part
    files in the input's format, in input order by name; a killed run starts
    over.
    """
    if address and engine != "ray":
        raise click.UsageError("--address needs --engine ray")
    if engine == "local" and Path(output_path).is_dir():
        raise click.BadParameter(f"{output_path} is a directory; the local engine writes "
                                 "one file", param_hint="OUTPUT")
    with _user_errors():
        if engine == "ray":
            from unstrip.ray_batch import run_ray_batch

            summary = run_ray_batch(input_path, output_path, field=field, profile=profile,
                                    workers=workers, batch_size=batch_size,
                                    errors_path=errors_path, model=model, address=address,
                                    progress=progress)
        else:
            from unstrip.batch import run_batch

            summary = run_batch(input_path, output_path, field=field, profile=profile,
                                workers=workers, batch_size=batch_size,
                                errors_path=errors_path, model=model, progress=progress)
    click.echo(f"unstrip batch: {summary}", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=int,
              help="Worker processes, each with its own model: about one per 2 cores.")
@click.option("--threads", default=2, show_default=True, type=int,
              help="Restorations run at once in each worker (off the event loop).")
@click.option("--max-bytes", default=1_000_000, show_default=True, type=int,
              help="Largest request body; larger ones get 413.")
@_model_option
def serve(host, port, workers, threads, max_bytes, model) -> None:
    """Serve the HTTP API and the web page (needs: pip install 'unstrip[serve]').

    \b
    POST /v1/restore       {"text", "profile"?} -> {"text", "insertions", ...}
    POST /v1/fix-encoding  {"text"} -> {"text", "repairs"}
    GET  /healthz, GET /docs (OpenAPI), GET / (the web page)
    """
    try:
        from unstrip.server import serve as run_server
    except ImportError as exc:
        _fail(f"serving needs the serve extra (pip install 'unstrip[serve]'): {exc}")
    run_server(host=host, port=port, workers=workers, threads=threads, max_bytes=max_bytes,
               model=model)


_PASSTHROUGH = {"ignore_unknown_options": True, "allow_extra_args": True,
                "help_option_names": []}


@cli.command(context_settings=_PASSTHROUGH, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def train(args) -> None:
    """Train the learned restorer: CORPUS... --out DIR [options] (see train --help).

    Needs the training extra: pip install 'unstrip[train]'. Holds out the dev
    split, shows a progress bar with loss and dev score, checkpoints to DIR
    and resumes from it, and uses a GPU when one is present.
    """
    try:
        from unstrip.train import main as train_main
    except ImportError as exc:
        _fail(f"training needs the train extra (pip install 'unstrip[train]'): {exc}")
    sys.exit(train_main(list(args)))


@cli.command(context_settings=_PASSTHROUGH, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def export(args) -> None:
    """Export a training run to ONNX: RUN_DIR --out DIR [--int8] (see export --help)."""
    try:
        from unstrip.export import main as export_main
    except ImportError as exc:
        _fail(f"export needs the train extra (pip install 'unstrip[train]'): {exc}")
    sys.exit(export_main(list(args)))


@cli.command(context_settings=_PASSTHROUGH, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def calibrate(args) -> None:
    """Choose a model's mark shifts on dev text: MODEL_DIR [--write] (see calibrate --help)."""
    from unstrip.calibrate import main as calibrate_main

    sys.exit(calibrate_main(list(args)))


def main() -> None:
    """Entry point of the ``unstrip`` console script."""
    cli(prog_name="unstrip")


if __name__ == "__main__":
    main()
