"""The ``unstrip`` command: restore, damage, repair encoding, evaluate.

``unstrip FILE`` (or text on standard input) restores damaged text to
standard output; the subcommands below expose each stage. Errors in the
input (invalid UTF-8, binary files, unreadable paths) or the output (a
missing or read-only directory) end with one line naming the user's path
and exit code 2, before anything is written.

    $ echo "Its a selfproclaimed win the groups leader said" | unstrip
    It's a self-proclaimed win, the group's leader said.
"""

from __future__ import annotations

import difflib
import json
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

import click

from unstrip.decode.quotes import STYLES
from unstrip.decode.vocabulary import explain_with_vocabulary, read_vocabulary
from unstrip.restorer import NUMBER_POLICIES, PROFILE_CHOICES, Restorer
from unstrip.text.corpus import CorpusError, Document, is_jsonl, iter_documents
from unstrip.text.profiles import PROFILES, profile_help
from unstrip.text.textio import InputError, check_stream, checked_source, iter_text_chunks

ERRORS = click.Choice(["strict", "replace"])


class _DefaultGroup(click.Group):
    """A group that runs ``restore`` when the first argument is not a command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h",
                                                                         "--version")):
            if args:
                self._refuse_mistyped_command(args[0])
            args = ["restore", *args]
        return super().parse_args(ctx, args)

    def _refuse_mistyped_command(self, word: str) -> None:
        """Stop when ``word`` is no file but looks like a command (``fix_encoding``)."""
        if word.startswith("-") or os.path.lexists(word):
            return
        if any(c in word for c in "./\\") or not word.replace("_", "").isalnum():
            return  # a path: restore says it cannot be read
        names = sorted(self.commands)
        guess = difflib.get_close_matches(word.lower().replace("_", "-"), names, n=1,
                                          cutoff=0.6)
        if guess:
            _fail(f"{word}: no such command or file; did you mean `unstrip {guess[0]}`?")
        _fail(f"{word}: no such command or file; the commands are {', '.join(names)}")


@click.group(cls=_DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=lambda ctx, param, value: _print_version(ctx, value),
              help="Show the package and model versions and exit.")
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


class OutputError(ValueError):
    """An output that cannot be written, with a message naming the user's path."""


_live_temps: set[str] = set()
_TRAPPED = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, n))


def _remove_temps_and_die(signum, frame) -> None:
    """On SIGTERM, SIGINT or SIGHUP: delete unfinished outputs, then die of the signal."""
    for tmp in list(_live_temps):
        with suppress(OSError):
            os.unlink(tmp)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


@contextmanager
def _signals_remove_temps() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # A signal the process ignores (SIGINT in a background job) stays ignored.
    previous = {s: signal.signal(s, _remove_temps_and_die) for s in _TRAPPED
                if signal.getsignal(s) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _mode_for(target: Path) -> int:
    """An overwritten file keeps its mode; a new one gets 0666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


class _Writer:
    """A text stream whose write errors name the user's path (not a temp file)."""

    def __init__(self, fh, name: str):
        self._fh = fh
        self.name = name

    def _call(self, method: str, *args):
        try:
            return getattr(self._fh, method)(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(f"{self.name}: cannot write ({exc.strerror or exc})") from None

    def write(self, text: str) -> int:
        return self._call("write", text)

    def flush(self) -> None:
        self._call("flush")

    def close(self) -> None:
        self._call("close")


def _cannot_write(path: str, exc: OSError, parent: Path) -> OutputError:
    if isinstance(exc, FileNotFoundError) and not parent.exists():
        reason = f"no such directory: {parent}"
    elif isinstance(exc, NotADirectoryError):
        reason = f"not a directory: {parent}"
    else:
        reason = exc.strerror or str(exc)
    return OutputError(f"{path}: cannot write ({reason})")


def _check_writable(path: str, target: Path | None = None, probe: bool = True) -> None:
    """Refuse now, naming ``path``, an output that could not be written at ``target``.

    With ``probe``, an unnamed file is created and dropped in the directory
    to be sure (it leaves nothing behind, even when the process is killed).
    """
    target = Path(path) if target is None else target
    if target.is_dir():
        raise OutputError(f"{path}: is a directory")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"{path}: cannot write (Permission denied)")
    if probe:
        try:
            tempfile.TemporaryFile(dir=target.parent).close()
        except OSError as exc:
            raise _cannot_write(path, exc, target.parent) from None


@contextmanager
def _output(path: str | None) -> Iterator:
    """Standard output, or a file written atomically (renamed into place when done).

    The file gets the mode of the file it replaces, or 0666 less the umask
    when it is new (as the shell's ``>`` would); the unfinished temporary file
    next to it is deleted on any error and on SIGTERM, SIGINT and SIGHUP.
    """
    if path in (None, "-"):
        out = _Writer(sys.stdout, "<stdout>")
        yield out
        out.flush()
        return
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    _check_writable(path, target, probe=False)
    mode = _mode_for(target)
    with _signals_remove_temps():
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                       dir=target.parent)
        except OSError as exc:
            raise _cannot_write(path, exc, target.parent) from None
        _live_temps.add(tmp)
        try:
            fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
            out = _Writer(fh, path)
            try:
                os.fchmod(fd, mode)
                yield out
            finally:
                out.close()
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise _cannot_write(path, exc, target.parent) from None
        except BaseException:
            with suppress(OSError):
                os.unlink(tmp)
            raise
        finally:
            _live_temps.discard(tmp)


def _open_input(path: str | None, stack: ExitStack) -> tuple[str, BinaryIO]:
    """The name to report and an open binary stream of FILE, or of standard input."""
    if path in (None, "-"):
        return "<stdin>", sys.stdin.buffer
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{path}: is a directory, not a text file")
    try:
        fh = p.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    return str(path), stack.enter_context(fh)


def _check_inputs(paths, errors: str, stack: ExitStack) -> list:
    """Check every input to its end before anything is written.

    A NUL byte anywhere, or (with --errors strict) a byte that is not UTF-8,
    stops the run before its first output byte. Files are read twice (this
    check, then the restoring pass); standard input and pipes are spooled as
    they are checked (memory up to textio.SPOOL_MEMORY, then an unlinked
    temporary file). Returns, per input, a path to reopen or a spooled stream.
    """
    sources = []
    for path in paths:
        with ExitStack() as one:
            name, raw = _open_input(path, one)
            if path not in (None, "-") and stat.S_ISREG(os.fstat(raw.fileno()).st_mode):
                check_stream(raw, errors, name)
                sources.append((name, path))
                continue
            src = checked_source(raw, errors, name)
            if src is not raw:
                stack.callback(src.close)
            sources.append((name, src))
    return sources


def _chunks(path: str | None, errors: str) -> Iterator[str]:
    with ExitStack() as stack:
        name, fh = _open_input(path, stack)
        yield from iter_text_chunks(fh, errors=errors, name=name)


def _read(path: str | None, errors: str) -> str:
    return "".join(_chunks(path, errors))


def _check_readable(path: str) -> None:
    """Refuse now, in one line naming ``path``, an input file that cannot be read."""
    with ExitStack() as stack:
        _open_input(path, stack)


def _fail(message: str) -> None:
    click.echo(f"unstrip: {message}", err=True)
    sys.exit(2)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
    except (InputError, OutputError, CorpusError, ValueError) as exc:
        _fail(str(exc))
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename is not None else ""
        _fail(f"{where}{exc.strerror or exc}")


def _print_version(ctx: click.Context, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from unstrip.about import version_line

        click.echo(version_line())
        ctx.exit()


_profile_option = click.option(
    "--profile",
    type=click.Choice(PROFILE_CHOICES),
    default="auto",
    show_default=True,
    help="The damage the input shows: " + profile_help() + ".",
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


_numbers_option = click.option(
    "--numbers", type=click.Choice(NUMBER_POLICIES), default="safe", show_default=True,
    help="How sure a mark that changes a number's value must be: keep writes none "
    "(grouping commas such as 20,000 allowed), safe only with evidence that holds "
    "across domains, guess whatever the network prefers.")

FORMATS = ("text", "json", "srt", "vtt", "words-json")
"""What ``unstrip restore`` reads and writes; ``srt`` and ``vtt`` are also chosen by a
file's extension."""


def _format_of(path: str | None, fmt: str | None) -> str:
    """The format of an input: as asked, else ``srt``/``vtt`` by extension, else text."""
    if fmt is not None:
        return fmt
    suffix = Path(path).suffix.lower() if path not in (None, "-") else ""
    return {".srt": "srt", ".vtt": "vtt"}.get(suffix, "text")


def _read_vocab(path: str, errors: str) -> list[str]:
    return read_vocabulary(_read(path, errors).splitlines(), path)


class _Arriving:
    """A binary stream whose ``read(n)`` returns what has arrived (at most ``n``
    bytes) instead of waiting for ``n``."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw

    def read(self, size: int) -> bytes:
        read1 = getattr(self._raw, "read1", None)
        return read1(size) if read1 is not None else self._raw.read(size)


def _restore_structured(restorer, text: str, fmt: str, profile: str, name: str) -> str:
    """A subtitle file or word-list JSON, restored in its own shape."""
    if fmt in ("srt", "vtt"):
        from unstrip.transcripts.subtitles import restore_subtitles

        try:
            return restore_subtitles(restorer, text, fmt, profile)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    from unstrip.transcripts.words import restore_words_json

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name}: line {exc.lineno}: not JSON ({exc.msg})") from None
    try:
        restored = restore_words_json(restorer, data, profile)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
    return json.dumps(restored, ensure_ascii=False, indent=2) + "\n"


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True))
@click.option("-o", "--output", type=click.Path(allow_dash=True),
              help="Write here instead of standard output (atomically).")
@_profile_option
@click.option("--explain", is_flag=True,
              help="Print JSON: the text plus every insertion with its offset and confidence.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="What FILES hold and what is written: text (the default), json (the "
              "same as --explain), srt or vtt (subtitles; chosen by a .srt or .vtt "
              "extension too), words-json (a word list: a JSON list of words or of "
              "{\"word\", \"start\", \"end\", ...}, Whisper's {\"segments\": [{\"words\"}]} or "
              "Vosk's {\"result\": [...]}).")
@_model_option
@_errors_option
@click.option("--quotes", type=click.Choice(STYLES), default="auto", show_default=True,
              help="Style of the quotes and apostrophes inserted: auto (one per text, the "
              "one most of its quotes have), straight (' \"), curly (’ “ ”), or asis "
              "(as the network chose each). Kept characters never change.")
@click.option("--vocab", "vocab_path", type=click.Path(), default=None, metavar="FILE",
              help="Written forms to prefer (iPhone, McDonald's, TED, COVID-19), one a line, "
              "UTF-8, # starts a comment. A form replaces a word only when damaging the "
              "form gives that word, so no character you gave changes.")
@_numbers_option
@click.option("--stream", is_flag=True,
              help="Read standard input as it arrives and write each piece of text as soon "
              "as it is final (a live transcript). Errors in the input stop the run where "
              "they are met.")
@click.option("--lookahead", type=click.IntRange(min=1), default=8, show_default=True,
              metavar="N", help="With --stream: words to wait for after a word before "
              "its marks and casing are final.")
@click.option("--paragraphs", is_flag=True,
              help="Also break a long restored line into paragraphs (a transcript that came "
              "as one block): the space after a sentence end may become a blank line.")
def restore(files, output, profile, explain, fmt, model, errors, quotes, vocab_path, numbers,
            stream, lookahead, paragraphs) -> None:
    """Restore FILES (or standard input) and print the text as written.

    Each file is restored on its own; long inputs stream through in windows,
    so memory stays bounded. With --explain (or --format json) the output is
    one JSON object per file: {"file", "text", "profile", "insertions":
    [{"offset", "insert", "confidence", "pass"}], "recased", "encoding_repairs"},
    with offsets counted in characters of the input; "pass" names the decoding
    pass that made the insertion or recasing (see `unstrip info`).

    Subtitles (a .srt or .vtt file, or --format srt|vtt) are restored across
    cues and written back as the same cues: numbers, timings, settings and
    line breaks kept, each word in its cue. A word list (--format
    words-json) comes back as the same JSON with each word restored and
    every other field kept. These read one file at a time.

    Every input is checked to its end before anything is written: a NUL
    byte anywhere (binary), or a byte that is not UTF-8 under --errors
    strict, stops the run with exit code 2 and no output, as does a
    subtitle or JSON file that cannot be read (naming the line). Files are
    read twice for this; standard input is held (in memory up to 16 MB,
    beyond that in a temporary file) until its end, except with --stream.
    """
    with _user_errors():
        forms = _read_vocab(vocab_path, errors) if vocab_path else []
    restorer = Restorer(model, quotes=quotes, vocab=forms, numbers=numbers,
                        paragraphs=paragraphs)
    if stream:
        if any(f != "-" for f in files) or explain or fmt not in (None, "text"):
            _fail("--stream restores plain text from standard input: pipe the text in, "
                  "without FILES, --explain or --format")
        with _user_errors():
            _restore_live(restorer, lookahead, profile, errors, output)
        return
    paths = files or (None,)
    explain = explain or fmt == "json"
    formats = [_format_of(p, None if fmt == "json" else fmt) for p in paths]
    structured = [f for f in formats if f in ("srt", "vtt", "words-json")]
    if structured and explain:
        _fail(f"--explain describes plain text; {structured[0]} input is written back in "
              "its own format")
    if structured and len(paths) > 1:
        _fail(f"{structured[0]} input is restored one file at a time (-o names its output)")
    with _user_errors(), ExitStack() as stack:
        sources = _check_inputs(paths, errors, stack)
        if structured:
            name, src = sources[0]
            with ExitStack() as one:
                fh = src if not isinstance(src, str) else _open_input(src, one)[1]
                text = "".join(iter_text_chunks(fh, errors=errors, name=name))
            restored = _restore_structured(restorer, text, formats[0], profile, name)
            with _output(output) as out:
                out.write(restored)
            return
        out = stack.enter_context(_output(output))
        for path, (name, src) in zip(paths, sources, strict=True):
            with ExitStack() as one:
                fh = src if not isinstance(src, str) else _open_input(src, one)[1]
                chunks = iter_text_chunks(fh, errors=errors, name=name)
                if explain:
                    result = explain_with_vocabulary(restorer, "".join(chunks), profile)
                    out.write(json.dumps({"file": path or "-", **result.to_dict()},
                                         ensure_ascii=False))
                    out.write("\n")
                elif forms:
                    out.write(explain_with_vocabulary(restorer, "".join(chunks), profile).text)
                else:
                    for piece in restorer.restore_stream(chunks, profile):
                        out.write(piece)


def _restore_live(restorer, lookahead: int, profile: str, errors: str,
                  output: str | None) -> None:
    """Restore standard input as it arrives, writing text as soon as it is final."""
    live = restorer.stream(lookahead=lookahead, profile=profile)
    with _output(output) as out:
        for chunk in iter_text_chunks(_Arriving(sys.stdin.buffer), errors=errors,
                                      name="<stdin>", chunk_bytes=1 << 16):
            done = live.push(chunk)
            if done:
                out.write(done)
                out.flush()
        out.write(live.flush())


@cli.command()
@click.option("--profile", type=click.Choice(list(PROFILES)), default="seed",
              show_default=True, help="Which damage to apply.")
@click.argument("file", required=False, type=click.Path(allow_dash=True))
@click.option("-o", "--output", type=click.Path(allow_dash=True),
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
@click.argument("file", required=False, type=click.Path(allow_dash=True))
@click.option("-o", "--output", type=click.Path(allow_dash=True),
              help="Write here instead of standard output.")
@click.option("--explain", is_flag=True, help="List the repairs on standard error.")
@_errors_option
def fix_encoding_cmd(file, output, explain, errors) -> None:
    """Repair mojibake (UTF-8 read as Windows-1252), lost bytes included.

    Clean text passes through unchanged; nothing else (quotes, widths,
    Unicode normalisation) is touched.
    """
    from unstrip.text.encoding import fix_encoding_and_explain

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
@click.argument("gold", required=False, type=click.Path())
@click.argument("pred", required=False, type=click.Path())
@click.option("--profile", type=click.Choice(list(PROFILES)), default="seed",
              show_default=True,
              help="The damage to score against (and to apply when PRED is omitted).")
@click.option("--json", "as_json", is_flag=True, help="Print the measures as JSON.")
@click.option("--split", default=None,
              help="Only score JSONL documents whose split field is this (e.g. dev).")
@click.option("--limit", type=int, default=None, help="Score at most this many documents.")
@click.option("--iwslt", type=click.Path(),
              help="Score on an IWSLT TED file (token TAB O/COMMA/PERIOD/QUESTION) instead.")
@click.option("--block", type=int, default=None,
              help="With --iwslt: score only this one of 10 contiguous blocks (-1 = last).")
@click.option("--blocks", "blocks", default=None, metavar="A-B",
              help="With --iwslt: score blocks A to B of 10, numbered from 1 (dev2012: "
              "choose settings on 1-5, report 6-10).")
@_model_option
@_errors_option
def eval_cmd(gold, pred, profile, as_json, split, limit, iwslt, block, blocks, model,
             errors) -> None:
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

    from unstrip.evaluate.scoring import score_document

    if iwslt is not None:
        from unstrip.evaluate import iwslt as iw

        with _user_errors():
            _check_readable(iwslt)
            pairs = iw.read_tsv(iwslt)
            if block is not None:
                pairs = iw.split_blocks(pairs)[block]
            elif blocks is not None:
                pairs = iw.select_blocks(pairs, blocks)
            result = iw.evaluate_pairs(pairs[:limit] if limit else pairs, Restorer(model))
            click.echo(json.dumps(result.to_dict(), indent=2) if as_json
                       else result.format_table())
        return
    with _user_errors():
        if gold is None:
            raise ValueError("give GOLD (and optionally PRED), or --iwslt FILE.tsv")
        for path in (gold, pred):
            if path is not None:
                _check_readable(path)
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
            if target != "mojibake":  # every strip profile is restored as named
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
@_model_option
@click.option("--verbose", is_flag=True,
              help="Also show internal settings: window sizes, score shifts, thresholds.")
def info(model, verbose) -> None:
    """Say which model restores, on what terms, and what it does to a text, pass by pass."""
    from unstrip.about import describe

    with _user_errors():
        click.echo(describe(Restorer(model), verbose=verbose))


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path())
@click.argument("output_path", metavar="OUTPUT", type=click.Path())
@click.option("--field", default="text", show_default=True, help="Column holding the text.")
@_profile_option
@click.option("--workers", type=int, default=None,
              help="Worker processes, each loading the model once "
              "(default: CPUs / 2; 0: in this process). With --engine ray: actors.")
@click.option("--batch-size", type=int, default=64, show_default=True,
              help="Records per batch; progress is saved after each batch.")
@click.option("--errors-file", "errors_path", type=click.Path(), default=None,
              help="Where records that cannot be restored go (default OUTPUT.errors.jsonl).")
@click.option("--errors", "errors_policy", default="strict", show_default=True,
              metavar="[strict|replace]",
              help="Bytes that are not UTF-8, as in the other commands: strict sends the "
              "record holding them to the errors file, replace substitutes U+FFFD. "
              "(The errors file itself is --errors-file.)")
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
@_numbers_option
@_model_option
def batch(input_path, output_path, field, profile, workers, batch_size, errors_path,
          errors_policy, engine, address, progress, numbers, model) -> None:
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
    if errors_policy not in ("strict", "replace"):
        _fail(f"--errors is the policy for bytes that are not UTF-8 (strict or replace) in "
              f"every command; name the errors file with --errors-file {errors_policy}")
    if address and engine != "ray":
        raise click.UsageError("--address needs --engine ray")
    if engine == "local" and Path(output_path).is_dir():
        raise click.BadParameter(f"{output_path} is a directory; the local engine writes "
                                 "one file", param_hint="OUTPUT")
    with _user_errors():
        _check_readable(input_path)
        if engine == "local":
            _check_writable(output_path)
        if errors_path:
            _check_writable(errors_path)
        if engine == "ray":
            from unstrip.ray_batch import run_ray_batch

            summary = run_ray_batch(input_path, output_path, field=field, profile=profile,
                                    workers=workers, batch_size=batch_size,
                                    errors_path=errors_path, model=model, address=address,
                                    progress=progress, errors=errors_policy,
                                    numbers=numbers)
        else:
            from unstrip.batch import run_batch

            summary = run_batch(input_path, output_path, field=field, profile=profile,
                                workers=workers, batch_size=batch_size,
                                errors_path=errors_path, model=model, progress=progress,
                                errors=errors_policy, numbers=numbers)
    click.echo(f"unstrip batch: {summary}", err=True)
    if summary.failed:
        click.echo(f"unstrip batch: {summary.report()}", err=True)
        sys.exit(summary.exit_code)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=int,
              help="Worker processes, each with its own model: about one per 2 cores.")
@click.option("--threads", default=2, show_default=True, type=int,
              help="Restorations run at once in each worker (off the event loop).")
@click.option("--max-bytes", default=1_000_000, show_default=True, type=int,
              help="Largest request body; larger ones get 413.")
@click.option("--timeout", default=120.0, show_default=True, type=float,
              help="Seconds a request may take (503 waiting, 504 restoring); 0: no limit.")
@click.option("--header-timeout", default=10.0, show_default=True, type=float,
              help="Seconds a client has to send its headers; 0: no limit.")
@click.option("--body-timeout", default=30.0, show_default=True, type=float,
              help="Seconds a client has to send its body (408 after); 0: no limit.")
@_model_option
def serve(host, port, workers, threads, max_bytes, timeout, header_timeout, body_timeout,
          model) -> None:
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
               model=model, timeout=timeout, header_timeout=header_timeout,
               body_timeout=body_timeout)


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
        from unstrip.train.loop import main as train_main
    except ImportError as exc:
        _fail(f"training needs the train extra (pip install 'unstrip[train]'): {exc}")
    sys.exit(train_main(list(args)))


@cli.command(context_settings=_PASSTHROUGH, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def export(args) -> None:
    """Export a training run to ONNX: RUN_DIR --out DIR [--int8] (see export --help)."""
    try:
        from unstrip.train.export import main as export_main
    except ImportError as exc:
        _fail(f"export needs the train extra (pip install 'unstrip[train]'): {exc}")
    sys.exit(export_main(list(args)))


@cli.command(context_settings=_PASSTHROUGH, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def calibrate(args) -> None:
    """Choose a model's mark shifts on dev text: MODEL_DIR [--write] (see calibrate --help)."""
    from unstrip.train.calibrate import main as calibrate_main

    sys.exit(calibrate_main(list(args)))


def main() -> None:
    """Entry point of the ``unstrip`` console script."""
    try:
        cli(prog_name="unstrip")
    except KeyboardInterrupt:
        click.echo("unstrip: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
