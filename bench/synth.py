"""Synthetic corpora for the scale benchmark: real corpus sentences recombined into documents.

Documents look like the policy texts (front matter, 第X章 headings, 第X条 articles of one to
four real sentences), so the chunker, BM25 vocabulary and embeddings behave as on real text.
Document ``i`` depends only on the seed and ``i``, so a corpus of N chunks is a prefix of a
corpus of M > N chunks: the evaluation corpus first, then synthetic documents in order.

``python -m bench.synth --chunks 100000`` writes the documents and fills the embedding cache
(resumable; run it in the background before a full benchmark run).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

GENERATOR_VERSION = 1
_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]")
_CN = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1–999 in Chinese numerals as used in article numbers (十一, 二十, 一百零五)."""
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" + _CN[rest] if rest < 10 else chinese_number(rest))
    if 10 <= rest < 20:
        tail = "一" + tail
    return _CN[n // 100] + "百" + tail


@dataclass(frozen=True)
class Pools:
    sentences: tuple[str, ...]
    headings: tuple[str, ...]
    titles: tuple[str, ...]


def sentence_pools(files: Sequence[Path]) -> Pools:
    """Sentences, heading words and titles of the real corpus (read with the project's loader)."""
    from retrieval import loaders

    sentences: dict[str, None] = {}
    headings: dict[str, None] = {}
    titles: dict[str, None] = {}
    for path in files:
        loaded = loaders.load_file(path, source_name=path.name)
        titles[loaded.meta.title] = None
        for block in loaded.blocks:
            text = block.text.strip()
            m = re.match(r"^第[一二三四五六七八九十百零]+[章节]\s*(\S{2,16})$", text)
            if m:
                headings[m.group(1)] = None
                continue
            for s in _SENTENCE.findall(text):
                s = re.sub(r"^第[一二三四五六七八九十百零]+条\s*", "", s.strip())
                if 12 <= len(s) <= 160:
                    sentences[s] = None
    if not sentences:
        raise ValueError("no sentences found in the source corpus")
    heads = tuple(headings) or ("总则", "支持措施", "组织实施", "附则")
    return Pools(tuple(sentences), heads, tuple(t for t in titles if t) or ("政策文件",))


def synthetic_document(pools: Pools, i: int, seed: int) -> str:
    """Document ``i``: Markdown with front matter, chapters and articles of real sentences."""
    rng = random.Random(f"{seed}-{i}")
    title = f"{rng.choice(pools.titles)}（合成样本第{i + 1}号）"
    year = 2010 + rng.randrange(15)
    lines = [
        "---",
        f'title: "{title}"',
        f'date: "{year}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}"',
        'note: "synthetic benchmark document: real corpus sentences recombined"',
        "---",
        f"# {title}",
        "",
    ]
    article = 1
    for chapter in range(1, rng.randint(2, 5) + 1):
        lines += [f"## 第{chinese_number(chapter)}章 {rng.choice(pools.headings)}", ""]
        for _ in range(rng.randint(3, 9)):
            body = "".join(
                rng.sample(pools.sentences, min(len(pools.sentences), rng.randint(1, 4)))
            )
            lines += [f"第{chinese_number(article)}条 {body}", ""]
            article += 1
    return "\n".join(lines)


@dataclass(frozen=True)
class SynthDoc:
    path: Path
    n_chunks: int
    total: int  # chunks of the base corpus plus this and every earlier document


@dataclass
class ScaleCorpus:
    """The base (evaluation) corpus followed by synthetic documents, with chunk counts."""

    root: Path
    base_files: list[Path]
    base_chunks: int
    docs: list[SynthDoc]

    @property
    def max_chunks(self) -> int:
        return self.docs[-1].total if self.docs else self.base_chunks

    def files_for(self, n_chunks: int) -> tuple[list[Path], int]:
        """The shortest prefix holding at least ``n_chunks`` chunks; (files, their chunks)."""
        files = list(self.base_files)
        total = self.base_chunks
        for d in self.docs:
            if total >= n_chunks:
                break
            files.append(d.path)
            total = d.total
        return files, total


def _chunk(path: Path, chunker) -> tuple[object, list]:
    from retrieval import loaders
    from retrieval.chunker import chunk_document
    from retrieval.corpus import safe_file_name
    from retrieval.documents import doc_id_for

    # the same reading as Corpus.prepare, so passage texts (and cache keys) match ingest
    loaded = loaders.load_file(path, source_name=safe_file_name(path.name))
    return loaded, chunk_document(loaded, doc_id_for(loaded.source_name), chunker)


def _fingerprint(files: Sequence[Path], seed: int, chunker) -> str:
    h = hashlib.sha1(f"v{GENERATOR_VERSION}-{seed}-{json.dumps(chunker.fingerprint())}".encode())
    for f in files:
        h.update(f.name.encode())
        h.update(hashlib.sha1(f.read_bytes()).digest())
    return h.hexdigest()[:12]


def scale_corpus(
    base_files: Sequence[Path],
    cache_dir: Path,
    max_chunks: int,
    *,
    seed: int = 7,
    chunker=None,
    progress: Callable[[str], None] | None = None,
) -> ScaleCorpus:
    """Write (or reuse) synthetic documents until base + synthetic hold ``max_chunks`` chunks."""
    if chunker is None:
        from .common import settings_for

        chunker = settings_for(cache_dir / "unused").chunking
    base_files = sorted(base_files)
    root = cache_dir / "scale" / _fingerprint(base_files, seed, chunker)
    docs_dir = root / "docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    if "base_chunks" not in manifest:
        manifest = {"base_chunks": sum(len(_chunk(p, chunker)[1]) for p in base_files), "docs": []}
    base_chunks = manifest["base_chunks"]
    counts: list[int] = manifest["docs"]
    total = base_chunks + sum(counts)
    pools = None
    while total < max_chunks:
        if pools is None:
            pools = sentence_pools(base_files)
        i = len(counts)
        path = docs_dir / f"synth_{i:06d}.md"
        path.write_text(synthetic_document(pools, i, seed), encoding="utf-8")
        n = len(_chunk(path, chunker)[1])
        counts.append(n)
        total += n
        if progress and i % 200 == 0:
            progress(f"synthetic documents: {i + 1} written, {total:,} chunks")
        if i % 200 == 0:
            manifest_path.write_text(json.dumps(manifest))
    manifest_path.write_text(json.dumps(manifest))
    docs = []
    running = base_chunks
    for i, n in enumerate(counts):
        running += n
        docs.append(SynthDoc(docs_dir / f"synth_{i:06d}.md", n, running))
    return ScaleCorpus(root, base_files, base_chunks, docs)


def passage_texts(files: Sequence[Path], chunker) -> list[str]:
    """What the dense model reads for every chunk of ``files`` (as ``Corpus`` would embed it)."""
    from retrieval.index import passage_text

    out = []
    for path in files:
        loaded, chunks = _chunk(path, chunker)
        out += [passage_text(c, loaded.meta) for c in chunks]
    return out


def warm_cache(
    corpus: ScaleCorpus,
    n_chunks: int,
    embedder,
    cache,
    chunker,
    *,
    batch: int = 64,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Embed (into the cache) every chunk of the first ``n_chunks``-chunk corpus not cached yet."""
    from .embcache import CachingEmbedder

    files, total = corpus.files_for(n_chunks)
    caching = CachingEmbedder(embedder, cache)
    t0 = time.perf_counter()
    pending: list[str] = []
    done = 0
    chars = 0

    def flush() -> None:
        nonlocal done, chars
        keys = caching.keys(pending)
        known = cache.get_many(keys, caching.dim)
        todo = [t for t, k in zip(pending, keys, strict=True) if k not in known]
        if todo:
            caching.embed_passages(todo)
            chars += sum(len(t) for t in todo)
        done += len(pending)
        pending.clear()

    for i, path in enumerate(files):
        pending += passage_texts([path], chunker)
        if len(pending) >= batch:
            flush()
            if progress and i % 20 == 0:
                rate = chars / caching.embed_seconds if caching.embed_seconds else 0.0
                progress(
                    f"{done:,}/{total:,} chunks in the cache; {caching.misses:,} embedded now "
                    f"at {rate:,.0f} chars/s, {time.perf_counter() - t0:,.0f} s"
                )
    flush()
    return {
        "chunks": total,
        "embedded": caching.misses,
        "embed_seconds": round(caching.embed_seconds, 1),
        "chars_per_second": round(chars / caching.embed_seconds, 1)
        if caching.embed_seconds
        else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    from retrieval.corpus import Report, expand_paths

    from .common import DEFAULT_OUT, SHARED_CORPUS, open_app, settings_for
    from .embcache import EmbeddingCache

    p = argparse.ArgumentParser(prog="python -m bench.synth", description=__doc__.split("\n")[0])
    p.add_argument("--chunks", type=int, default=100_000, help="largest corpus, in chunks")
    p.add_argument("--corpus", type=Path, default=SHARED_CORPUS)
    p.add_argument("--cache", type=Path, default=DEFAULT_OUT / "cache")
    p.add_argument(
        "--steps",
        default="1000,10000,50000,100000",
        help="warm the cache for these sizes in order (each a prefix of the next)",
    )
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    chunker = settings_for(args.cache / "unused").chunking
    say = lambda msg: log.info("%s", msg)  # noqa: E731
    corpus = scale_corpus(
        expand_paths([args.corpus], Report()),
        args.cache,
        args.chunks,
        chunker=chunker,
        progress=say,
    )
    say(f"corpus ready: {corpus.max_chunks:,} chunks in {len(corpus.docs)} synthetic documents")
    app = open_app(args.cache / "work" / "synth-embedder")
    cache = EmbeddingCache(args.cache / "embeddings.sqlite3")
    steps = sorted({int(s) for s in args.steps.split(",") if s} | {args.chunks})
    for n in (s for s in steps if s <= args.chunks):
        result = warm_cache(corpus, n, app.index.embedder, cache, chunker, progress=say)
        say(f"size {n:,} cached: {json.dumps(result)}")
    app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
