"""kill -9 at any moment of an ingest, replace, sync or removal: the index answers as before or as after.

Each iteration forks a worker (``crash_worker.py``) that opens the index on a shared data
directory — opening repairs what the previous, killed worker left — dumps the index state, and
runs a scenario until the test SIGKILLs it (after a random delay, or at a named point between
two writes). Every dump is checked: each document is entirely one of the versions the
interrupted operations allow, Chroma holds exactly the registry's chunk ids, the stored
originals match the registry, the journal is empty, and search answers from the registry.
"""

from __future__ import annotations

import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import load_settings
from retrieval.corpus import Corpus
from retrieval.documents import doc_id_for
from tests.conftest import MINI_CORPUS, write_config
from tests.retrieval.crash_worker import PROBE_QUERIES

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("crash_worker.py")
ROOT = Path(__file__).resolve().parents[2]
EXTRA_CONFIG = "[search]\nexpand_english = false\n"  # no dictionary loading in every worker
SEED = int(os.environ.get("POLICYBOT_CRASH_SEED", "20240611"))
RANDOM_KILLS = int(os.environ.get("POLICYBOT_CRASH_ITERATIONS", "12"))

RD2018 = doc_id_for("rd_2018.md")
RD2023 = doc_id_for("rd_2023.md")
RD2023_REV = doc_id_for("rd_2023_rev.md")
NOTE_B = doc_id_for("note_b.md")

# Scenarios: the steps a worker runs. Documents that leave the index stay small, because
# bringing them back means embedding them again with the real (slow) model.
SCENARIOS: dict[str, list] = {
    "sync-S1": [["sync", "S1"]],
    "sync-S0": [["sync", "S0"]],
    "add-then-remove": [["ingest", ["a1/note_a.txt", "b/note_b.md"]], ["remove", NOTE_B]],
    "notes": [["ingest", ["a0/note_a.txt"]], ["ingest", ["b/note_b.md"]]],
    "replace-other-id": [["replace", "rev/rd_2023_rev.md", RD2023]],
    "replace-back": [["replace", "S0/rd_2023.md", RD2023_REV]],
    "edit-rd2018": [["ingest", ["S1/rd_2018.md"]], ["ingest", ["S0/rd_2018.md"]]],
}

# (scenario, kill point, n-th call): the narrow windows between two writes, hit for certain.
# A group runs back to back: "complete" jobs first bring the index to a known state, so the
# kill point is reached for sure, and a kill in the repair at open meets the previous debris.
DONE = "complete"
TARGETED: list[list[tuple[str, tuple[str, int] | str]]] = [
    [("sync-S0", ("journal_begin", 1))],
    [("sync-S0", DONE), ("sync-S1", ("store_file", 2))],  # a new file nobody lists
    [("sync-S0", DONE), ("sync-S1", ("upsert", 2)),  # vectors in Chroma, registry not switched
     ("sync-S0", ("repair:delete", 1))],  # the next open dies after deleting those orphans
    [("sync-S0", DONE), ("sync-S1", ("commit", 1))],  # switched; old vectors and file remain
    [("sync-S1", DONE), ("sync-S0", ("delete", 1))],  # old vectors gone; old file, journal remain
    [("sync-S0", DONE), ("replace-other-id", ("commit", 1)),
     ("replace-back", ("repair:upsert", 1))],  # the next open dies restoring the new document
    [("sync-S0", DONE), ("replace-other-id", DONE), ("replace-back", ("upsert", 1))],
    [("sync-S0", DONE), ("add-then-remove", ("commit", 2))],  # removal committed, vectors stay
    [("sync-S0", DONE), ("edit-rd2018", ("delete", 1))],
    [("sync-S1", DONE), ("notes", ("journal_end", 1))],  # all done but the audit entry
]


# ---------------------------------------------------------------- the corpus versions


def _variant_folders(base: Path) -> None:
    """S0/S1: two states of the whole corpus; a0/a1/b/rev: single files used by scenarios."""
    s0, s1 = base / "S0", base / "S1"
    shutil.copytree(MINI_CORPUS, s0)
    shutil.copytree(MINI_CORPUS, s1)
    note_a0 = "# 关于测试通知甲的通知\n\n一、甲项目的申报截止日期为三月一日。\n"
    note_a1 = "# 关于测试通知甲的通知\n\n一、甲项目的申报截止日期延长至四月一日。\n"
    note_b = "# 关于测试通知乙的通知\n\n一、乙项目资助金额为十万元。\n"
    (s0 / "note_a.txt").write_text(note_a0, encoding="utf-8")
    (s0 / "note_b.md").write_text(note_b, encoding="utf-8")
    (s1 / "note_a.txt").write_text(note_a1, encoding="utf-8")
    rd = (MINI_CORPUS / "rd_2018.md").read_text(encoding="utf-8")
    assert "实际发生额的75%" in rd
    (s1 / "rd_2018.md").write_text(rd.replace("实际发生额的75%", "实际发生额的80%"), encoding="utf-8")
    for name, text in (("a0/note_a.txt", note_a0), ("a1/note_a.txt", note_a1), ("b/note_b.md", note_b)):
        (base / name).parent.mkdir(exist_ok=True)
        (base / name).write_text(text, encoding="utf-8")
    rd23 = (MINI_CORPUS / "rd_2023.md").read_text(encoding="utf-8")
    assert "按照无形资产成本的200%" in rd23
    (base / "rev").mkdir()
    (base / "rev" / "rd_2023_rev.md").write_text(
        rd23.replace("按照无形资产成本的200%", "按照无形资产成本的210%"), encoding="utf-8"
    )


@dataclass(frozen=True)
class Version:
    doc_id: str
    source_name: str
    sha256: str
    chunks: tuple[tuple[str, str], ...]  # (chunk id, text) in order


class Model:
    """What each file version must look like in the index, and which states each step allows."""

    def __init__(self, base: Path, settings):
        corpus = Corpus(None, base / "scratch", settings.chunking)  # type: ignore[arg-type]
        self.base = base
        self.by_path: dict[str, Version] = {}
        self.by_sha: dict[str, Version] = {}
        for path in sorted(p for p in base.rglob("*") if p.is_file() and "scratch" not in p.parts):
            p = corpus.prepare(path)
            v = Version(p.doc_id, p.loaded.source_name, p.loaded.sha256,
                        tuple((c.id, c.text) for c in p.chunks))
            self.by_path[str(path.relative_to(base))] = v
            self.by_sha[v.sha256] = v

    def folder(self, name: str) -> dict[str, str]:
        prefix = name + "/"
        return {v.doc_id: v.sha256 for k, v in self.by_path.items() if k.startswith(prefix)}

    def apply(self, state: dict[str, str], step: list) -> dict[str, str]:
        op, *args = step
        state = dict(state)
        if op == "sync":
            return self.folder(args[0])
        if op == "ingest":
            for p in args[0]:
                v = self.by_path[p]
                state[v.doc_id] = v.sha256
        elif op == "remove":
            state.pop(args[0], None)
        elif op == "replace":
            v = self.by_path[args[0]]
            if args[1] in state:
                del state[args[1]]
                state[v.doc_id] = v.sha256
        return state

    def allowed(self, state: dict[str, str], steps: list) -> dict[str, set[str | None]]:
        """Per document, every version it may have if the steps are cut anywhere."""
        states = [state]
        for step in steps:
            states.append(self.apply(states[-1], step))
        docs = {d for s in states for d in s}
        return {d: {s.get(d) for s in states} for d in docs}


def check_dump(dump: dict, allowed: dict[str, set[str | None]], model: Model, where: str) -> None:
    docs = dump["documents"]
    assert dump["journal"] == [], f"{where}: journal entries left after opening: {dump['journal']}"
    assert dump["chroma_ids"] == dump["registry_ids"], (
        f"{where}: Chroma and registry disagree: "
        f"extra {sorted(set(dump['chroma_ids']) - set(dump['registry_ids']))}, "
        f"missing {sorted(set(dump['registry_ids']) - set(dump['chroma_ids']))}"
    )
    for doc_id in set(docs) | set(allowed):
        got = docs[doc_id]["sha256"] if doc_id in docs else None
        ok = allowed.get(doc_id, {None})
        assert got in ok, f"{where}: {doc_id} is at version {got}, allowed {ok}"
    expected_files = {}
    for doc_id, rec in docs.items():
        version = model.by_sha[rec["sha256"]]
        chunks = [tuple(c) for c in dump["chunks"].get(doc_id, [])]
        assert chunks == list(version.chunks), f"{where}: {doc_id} has a partial or mixed version"
        assert rec["n_chunks"] == len(version.chunks)
        name = f"{rec['sha256'][:12]}-{rec['source_name']}"
        expected_files[f"{doc_id}/{name}"] = rec["sha256"]
        assert dump["stored"][doc_id] == name, f"{where}: {doc_id} names another stored file"
    assert dump["files"] == expected_files, f"{where}: stored originals differ from the registry"
    ids = set(dump["registry_ids"])
    for q in PROBE_QUERIES:
        assert dump["search"][q], f"{where}: no results for {q}"
        assert set(dump["search"][q]) <= ids
    assert dump["dense"] and set(dump["dense"]) <= ids, f"{where}: Chroma query {dump['dense']}"
    assert dump["repair_again"] == {"removed": 0, "restored": 0, "journal": 0, "files": 0}


# ---------------------------------------------------------------- driving the worker


class Zygote:
    """The warm worker process; ``run`` forks one worker per job."""

    def __init__(self, config: Path, log: Path):
        self.log = log
        env = dict(os.environ, PYTHONPATH=str(ROOT), ANONYMIZED_TELEMETRY="False")
        with open(log, "ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, str(WORKER), str(config)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                text=True, cwd=ROOT, env=env,
            )
        self.lines: queue.Queue[dict] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self._next(60).get("ready"), "crash worker did not start"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def _next(self, timeout: float) -> dict:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"crash worker silent for {timeout}s; see {self.log}") from None

    def start(self, job: dict) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(dict(job, log=str(self.log))) + "\n")
        self.proc.stdin.flush()
        return self._next(30)["pid"]

    def finished(self) -> bool:
        return not self.lines.empty()

    def wait(self, timeout: float = 120) -> int:
        return self._next(timeout)["status"]

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()  # the zygote ends at end of input
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


@dataclass
class Outcome:
    dump: dict | None
    killed: bool
    elapsed: float | None  # how long the steps took when they ran to the end


def run_job(zygote: Zygote, work: Path, n: int, config: Path, steps: list,
            kill_at=None, delay: float | None = None, early: bool = False) -> Outcome:
    """One worker; killed ``delay`` seconds after it opened the index (``early``: after it
    started, so the kill may land in the repair at open), or at ``kill_at``, or not at all."""
    dump, done = work / f"dump-{n}.json", work / f"done-{n}.json"
    job = {"config": str(config), "base": str(work), "dump": str(dump), "done": str(done),
           "steps": steps, "kill_at": list(kill_at) if kill_at else None}
    pid = zygote.start(job)
    if not early:
        deadline = time.monotonic() + 60
        while not dump.exists() and not zygote.finished() and time.monotonic() < deadline:
            time.sleep(0.005)
    if delay is not None:
        end = time.monotonic() + delay
        while time.monotonic() < end and not zygote.finished():
            time.sleep(0.002)
        if not zygote.finished():
            os.kill(pid, signal.SIGKILL)
    status = zygote.wait()
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    if not killed:
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (
            f"worker {n} failed ({status}); see {zygote.log}")
    out = json.loads(dump.read_text(encoding="utf-8")) if dump.exists() else None
    elapsed = json.loads(done.read_text())["elapsed"] if done.exists() else None
    return Outcome(out, killed, elapsed)


@pytest.fixture
def crash_env(tmp_path: Path, _built_mini_index: Path):
    work = tmp_path / "work"
    work.mkdir()
    _variant_folders(work)
    config = write_config(tmp_path / "config.toml", EXTRA_CONFIG)
    shutil.copytree(_built_mini_index, tmp_path / "data")
    settings = load_settings(config, env={})
    model = Model(work, settings)
    zygote = Zygote(config, tmp_path / "worker.log")
    yield work, config, model, zygote
    zygote.close()


# ---------------------------------------------------------------- tests


def test_kill_9_anywhere_leaves_before_or_after(crash_env):
    work, config, model, zygote = crash_env
    rng = random.Random(SEED)
    names = sorted(SCENARIOS)
    randoms = [[(rng.choice(names), None)] for _ in range(RANDOM_KILLS)]
    # random kills between the targeted ones, so they also hit the states those leave behind
    groups = [g for pair in zip(TARGETED, randoms, strict=False) for g in pair]
    groups += TARGETED[len(randoms):] + randoms[len(TARGETED):]
    plan = [job for group in groups for job in group]

    base_ids = {doc_id_for(p.name) for p in MINI_CORPUS.iterdir()}
    state = {d: sha for d, sha in model.folder("S0").items() if d in base_ids}
    allowed = {d: {sha} for d, sha in state.items()}
    durations: dict[str, float] = {}
    stats = {"killed": 0, "killed before opening": 0, "completed": 0, "repaired": 0}
    t_start = time.monotonic()
    for n, (name, kill_at) in enumerate(plan):
        delay, early = None, False
        if kill_at is None and name in durations:
            early = rng.random() < 0.2  # now and then, kill while the index opens (and repairs)
            delay = rng.uniform(0.0, 0.5 if early else durations[name] * 1.1)
        point = kill_at if isinstance(kill_at, tuple) else None
        out = run_job(zygote, work, n, config, SCENARIOS[name], point, delay, early)
        if point:
            assert out.killed, f"job {n} ({name}) never reached its kill point {point}"
        if kill_at == DONE:
            assert out.elapsed is not None, f"job {n} ({name}) did not complete"
        if out.dump is None:
            # died while opening: its steps never ran, so the documents are as they were
            assert out.killed, f"job {n} ended before opening the index; see {zygote.log}"
            stats["killed before opening"] += 1
            continue
        where = f"job {n} ({name}, after {plan[n - 1] if n else 'start'}, seed {SEED})"
        check_dump(out.dump, allowed, model, where)
        stats["repaired"] += out.dump["journal_before"] > 0
        state = {d: r["sha256"] for d, r in out.dump["documents"].items()}
        allowed = model.allowed(state, SCENARIOS[name])
        if out.elapsed is not None:
            durations[name] = max(durations.get(name, 0.0), out.elapsed)
            stats["completed"] += 1
            after = state
            for step in SCENARIOS[name]:
                after = model.apply(after, step)
            allowed = {d: {sha} for d, sha in after.items()}
        else:
            stats["killed"] += 1
    final = run_job(zygote, work, len(plan), config, [])
    assert final.dump is not None
    check_dump(final.dump, allowed, model, "final open")
    print(f"\ncrash test: {len(plan)} jobs, {stats}, {time.monotonic() - t_start:.1f}s")
    assert stats["repaired"] >= 8
    assert stats["killed before opening"] >= 2  # the targeted kills inside repair


def _base_allowed(model: Model) -> dict[str, set[str | None]]:
    base_ids = {doc_id_for(p.name) for p in MINI_CORPUS.iterdir()}
    return {d: {sha} for d, sha in model.folder("S0").items() if d in base_ids}


def test_torn_chroma_files_are_rebuilt_from_the_registry(crash_env, tmp_path):
    """Observed: kill -9 while Chroma persists its HNSW index can leave index_metadata.pickle
    empty, after which every read of the collection fails. Opening the index rebuilds it."""
    work, config, model, zygote = crash_env
    out = run_job(zygote, work, 0, config, [["flood", 1200]])
    assert out.elapsed is not None
    pickles = list((tmp_path / "data" / "chroma").rglob("index_metadata.pickle"))
    assert pickles, "Chroma wrote no HNSW metadata: the flood was too small to reproduce the damage"
    for p in pickles:
        p.write_bytes(b"")
    out = run_job(zygote, work, 1, config, [])
    assert out.dump is not None, f"opening a torn Chroma store failed; see {zygote.log}"
    check_dump(out.dump, _base_allowed(model), model, "after tearing Chroma's files")
    assert "rebuilding the vector store from the registry" in zygote.log.read_text()


def test_lost_chroma_directory_is_rebuilt_from_the_registry(crash_env, tmp_path):
    work, config, model, zygote = crash_env
    shutil.rmtree(tmp_path / "data" / "chroma")
    out = run_job(zygote, work, 0, config, [])
    assert out.dump is not None
    check_dump(out.dump, _base_allowed(model), model, "after deleting data/chroma")


def test_opening_never_repairs_another_process_change_in_progress(app, tmp_path):
    """What looks like leftovers while another process holds the write lock is its change in
    progress: a second opener must not delete its vectors or its new file."""
    import numpy as np

    from bot.app import build_app
    from retrieval.index import write_lock

    data = app.settings.data_dir
    reg = app.index.registry
    entry = reg.journal_begin("ingest", "dinflight")
    app.index.store.upsert(["dinflight-0000-x"], np.ones((1, app.index.embedder.dim), np.float32),
                           [{"doc_id": "dinflight"}])
    new_file = data / "files" / "dinflight" / "abc-new.md"
    new_file.parent.mkdir(parents=True)
    new_file.write_text("x", encoding="utf-8")
    settings = app.settings
    with write_lock(data) as held:  # "the other process", mid-change
        assert held
        second = build_app(settings)
        assert "dinflight-0000-x" in second.index.store.ids()
        assert new_file.exists() and reg.journal_pending()
        with write_lock(data, wait=False) as got:
            assert got is False
    # the writer died without finishing: the next opener repairs
    third = build_app(settings)
    assert "dinflight-0000-x" not in third.index.store.ids()
    assert not new_file.exists() and not new_file.parent.exists()
    assert reg.journal_pending() == [] and entry
    assert third.index.store.ids() == reg.chunk_ids()
    # and a writer that finds leftovers (its process opened the index before the crash) repairs first
    reg.journal_begin("remove", "dgone")
    app.index.store.upsert(["dgone-0000-y"], np.ones((1, app.index.embedder.dim), np.float32),
                           [{"doc_id": "dgone"}])
    app.corpus.remove(doc_id_for("transfer_law.md"))
    assert reg.journal_pending() == []
    assert app.index.store.ids() == reg.chunk_ids()
    second.close()
    third.close()


def test_reindex_finds_stored_originals_after_the_data_directory_moved(app):
    """The registry remembers where originals were stored; a moved data directory still works."""
    reg = app.index.registry
    with reg.transaction() as conn:
        conn.execute("UPDATE documents SET stored_path = '/nonexistent/old-place/' || "
                     "replace(stored_path, rtrim(stored_path, replace(stored_path, '/', '')), '')")
    assert all(reg.stored_path(d.doc_id).startswith("/nonexistent/") for d in reg.documents())
    report = app.corpus.reindex()
    assert report.ok, report.failures
    assert len(report.changes) == len(reg.documents()) == 5
