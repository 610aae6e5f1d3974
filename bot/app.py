"""The composition root: builds every service once from the settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

from retrieval.colloquial import Colloquial
from retrieval.corpus import Corpus, LoaderOptions, Report
from retrieval.crosslingual import EnglishShadow, LazyDictionary
from retrieval.embedders import make_embedder
from retrieval.glossary import Glossary
from retrieval.index import Index, open_index
from retrieval.search import Searcher
from retrieval.store import ChromaStore, collection_name

from . import names
from .config import Settings

log = logging.getLogger(__name__)


def load_glossary(settings: Settings) -> Glossary:
    path = settings.paths.glossary
    if not path.exists():
        log.warning("glossary %s not found: English questions will not be expanded", path)
        return Glossary.empty()
    return Glossary.load(path)


@dataclass
class App:
    """Everything a face (CLI, terminal chat, Telegram) needs, built from one Settings."""

    settings: Settings
    index: Index
    glossary: Glossary
    corpus: Corpus
    searcher: Searcher
    _extras: dict = field(default_factory=dict, repr=False)

    @cached_property
    def catalog(self):
        from .incentives.catalog import load_catalog

        return load_catalog(self.settings.paths.incentives_dir)

    @cached_property
    def answerer(self):
        from .answer import build_answerer

        return build_answerer(self)

    def ensure_corpus(self) -> Report | None:
        """Index the bundled corpus when the index is empty (first start)."""
        if self.index.registry.documents():
            return None
        folder = self.settings.paths.corpus_dir
        if not folder.is_dir():
            log.warning("bundled corpus folder %s not found", folder)
            return None
        log.info("index is empty: indexing the bundled corpus in %s", folder)
        return self.corpus.ingest_paths([folder], actor="first-start")

    def close(self) -> None:
        self.index.registry.close()
        close_store = getattr(self.index.store, "close", None)
        if close_store is not None:
            close_store()


def build_app(settings: Settings, *, reindexing: bool = False) -> App:
    """Build every service; ``reindexing`` opens an index built with other settings."""
    embedder = make_embedder(settings.embedding)
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    name = collection_name(settings.store.collection, embedder.model_id, embedder.dim)
    if settings.store.url:
        store = ChromaStore(name, url=settings.store.url)
    else:
        store = ChromaStore(name, path=data_dir / "chroma")
    glossary = load_glossary(settings)
    names.configure(settings.paths.doc_names, glossary)  # how English answers name documents
    chunker = settings.chunking
    dictionary = LazyDictionary(data_dir / "cache") if settings.search.expand_english else None
    index = open_index(
        data_dir,
        embedder,
        store,
        chunker.fingerprint(),
        user_words=glossary.chinese_terms(),
        check_params=not reindexing,
        shadow=EnglishShadow(dictionary, glossary) if settings.search.expand_english else None,
    )
    limits = settings.limits
    corpus = Corpus(
        index,
        data_dir,
        chunker,
        LoaderOptions(
            max_bytes=int(limits.max_file_mb * 2**20),
            max_pdf_pages=limits.max_pdf_pages,
            ocr=limits.ocr,
        ),
    )
    searcher = Searcher(index, glossary, settings.search, dictionary,
                        colloquial=Colloquial.load(settings.paths.colloquial))
    return App(settings=settings, index=index, glossary=glossary, corpus=corpus, searcher=searcher)
