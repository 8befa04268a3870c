"""PDF from a DOCX (the CCHC report, the printed forms of a dossier), converted by LibreOffice. Below every domain,
next to cchc.docxkit.

Two ways, chosen by CCHC_PDF_CONVERTER:
- warm (default): a LibreOffice kept running by `cchc serve` and the application (start_warm, stop_warm): the
  server of the unoserver package, a LibreOffice listening on a UNO socket driven over XML-RPC, restarted when it
  dies. A form of a page or two converts in a fraction of a second. When no warm LibreOffice answers (a one-off
  command, the server restarting past its wait, python3-uno missing) the conversion falls back to the cold way and
  says so in the log.
- cold: `soffice --convert-to pdf` with a throw-away profile, several seconds each (LibreOffice starts every time).

unoserver's server imports LibreOffice's `uno` module, which Debian ships for its own python3 (package python3-uno),
not for the virtual environment: the server runs under /usr/bin/python3 with the unoserver package found in our
environment, while this process only speaks XML-RPC to it. One process on the machine keeps the server of a port
(it holds a lock file named after the port); every other process (the workers of `cchc serve --workers N`) only
converts through it. Conversions of one process go one at a time (a lock), and the server takes them one at a time.
"""

from __future__ import annotations

import fcntl
import importlib.util
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import xmlrpc.client
from pathlib import Path

from cchc.errors import CchcError

TIMEOUT_SECONDS = 180
CONVERTERS = ("warm", "cold")

log = logging.getLogger("cchc.pdf")


class PdfUnavailable(CchcError):
    pass


def converter() -> str:
    """warm or cold, from CCHC_PDF_CONVERTER (read each time: tests and `cchc serve` may set it)."""
    mode = os.environ.get("CCHC_PDF_CONVERTER", "warm").strip().lower() or "warm"
    if mode not in CONVERTERS:
        raise PdfUnavailable(f"CCHC_PDF_CONVERTER=«{mode}» không hợp lệ: dùng warm hoặc cold.")
    return mode


def soffice() -> str:
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    raise PdfUnavailable(
        "Không xuất được PDF: máy chưa cài LibreOffice. Hãy cài gói Debian libreoffice-writer-nogui "
        "(apt-get install libreoffice-writer-nogui), hoặc xuất báo cáo dạng DOCX (--format docx)."
    )


def docx_to_pdf(docx_path: Path, pdf_path: Path) -> Path:
    """Convert through the warm LibreOffice when one answers, else cold."""
    docx_path, pdf_path = Path(docx_path), Path(pdf_path)
    if converter() == "warm":
        try:
            return warm_office().convert(docx_path, pdf_path)
        except WarmAbsent as exc:
            log.info("PDF: %s; chuyển bằng soffice --convert-to.", exc)
        except WarmUnavailable as exc:
            log.warning("PDF: LibreOffice chạy sẵn không dùng được (%s); chuyển bằng soffice --convert-to.", exc)
    return cold_docx_to_pdf(docx_path, pdf_path)


def cold_docx_to_pdf(docx_path: Path, pdf_path: Path) -> Path:
    """Convert with a throw-away LibreOffice profile (so parallel runs never share one)."""
    exe = soffice()
    docx_path, pdf_path = Path(docx_path), Path(pdf_path)
    with tempfile.TemporaryDirectory(prefix="cchc-soffice-") as tmp:
        profile = Path(tmp) / "profile"
        outdir = Path(tmp) / "out"
        outdir.mkdir()
        cmd = [
            exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
            "--convert-to", "pdf", "--outdir", str(outdir), str(docx_path),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"LibreOffice không chuyển xong tệp sang PDF sau {TIMEOUT_SECONDS} giây.") from None
        produced = outdir / (docx_path.stem + ".pdf")
        if proc.returncode != 0 or not produced.exists():
            detail = (proc.stderr or proc.stdout or "").strip().splitlines()[-1:] or [""]
            raise PdfUnavailable(f"LibreOffice không chuyển được tệp sang PDF (mã lỗi {proc.returncode}). {detail[0]}".strip())
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), str(pdf_path))
    return pdf_path


# ----- the LibreOffice kept warm -----

PYTHON_WITH_UNO = "/usr/bin/python3"  # Debian's python3, for which python3-uno installs `uno`
DEFAULT_PORT = 2003  # the XML-RPC port; LibreOffice's UNO socket is the next one
READY_SECONDS = 60  # a conversion waits this long for a server this process is (re)starting
CONVERT_SECONDS = 120  # the server gives up on a conversion (and restarts LibreOffice) after this
# A server that dies again this soon after starting is started again only after a pause, not in a tight loop.
QUICK_DEATH_SECONDS = 15
RESTART_PAUSE_SECONDS = 5
QUICK_DEATHS_TO_GIVE_UP = 5

# Runs unoserver's server under Debian's python3: our environment's site-packages (where pip put unoserver) is
# appended after Debian's own paths, so only what Debian lacks is taken from it.
_BOOT = "import sys; sys.path.append(sys.argv.pop(1)); from unoserver.server import main; sys.exit(main())"

log = logging.getLogger("cchc.pdf")


class WarmUnavailable(CchcError):
    """No warm LibreOffice to convert with: docx_to_pdf falls back to the cold one."""


class WarmAbsent(WarmUnavailable):
    """Nothing listens on the port and this process keeps no server: a one-off command, which converts cold."""


def warm_port() -> int:
    raw = os.environ.get("CCHC_PDF_PORT", "").strip()
    if not raw:
        return DEFAULT_PORT
    if not raw.isdigit() or not 1024 <= int(raw) <= 65534:
        raise PdfUnavailable(f"CCHC_PDF_PORT=«{raw}» không hợp lệ: cần một cổng từ 1024 đến 65534 (LibreOffice dùng thêm cổng kế tiếp).")
    return int(raw)


class _Transport(xmlrpc.client.Transport):
    """XML-RPC over HTTP with a time-out (the standard transport waits for ever)."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self.timeout
        return conn


class WarmOffice:
    def __init__(self, port: int):
        self.port = port
        self.restarts = 0  # how many times the server was started again after dying
        self.conversions = 0  # PDFs made by this process through the warm server
        self._proc: subprocess.Popen | None = None
        self._problem: str | None = None  # why the server cannot run here (python3-uno missing, …)
        self._profile: str | None = None
        self._started_at = 0.0
        self._lock_file = None
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self._state = threading.Lock()
        self._one_at_a_time = threading.Lock()

    # ----- the server, kept by one process -----

    @property
    def kept_here(self) -> bool:
        return self._lock_file is not None

    @property
    def pid(self) -> int | None:
        """The unoserver process (LibreOffice is its child, in the same process group)."""
        return self._proc.pid if self._proc is not None else None

    def start(self) -> bool:
        """Start the server and the thread that watches it, without waiting for LibreOffice; False when it is
        already kept, here or by another process on this machine."""
        with self._state:
            if self.kept_here:
                return False
            lock = open(Path(tempfile.gettempdir()) / f"cchc-pdf-{self.port}.lock", "a+")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                return False
            self._lock_file = lock
            _end_left_behind(lock)
            self._stopping.clear()
            self._watcher = threading.Thread(target=self._watch, name="cchc-pdf-warm", daemon=True)
            self._watcher.start()
            return True

    def stop(self) -> None:
        with self._state:
            if not self.kept_here:
                return
            self._stopping.set()
            self._ready.clear()
            if self._watcher is not None:
                self._watcher.join(timeout=30)
            self._end_server()
            self._lock_file.close()
            self._lock_file = None

    def wait_ready(self, seconds: float) -> bool:
        return self._ready.wait(seconds)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while not self._ready.wait(0.2):
            if self._problem:
                raise WarmUnavailable(self._problem)
            if time.monotonic() > deadline:
                raise WarmUnavailable(f"LibreOffice chạy sẵn chưa sẵn sàng sau {READY_SECONDS} giây")

    def _watch(self) -> None:
        self._problem = problem = _missing_requirement()
        if problem:
            log.warning("PDF: không chạy được LibreOffice chạy sẵn: %s; các tệp PDF sẽ chuyển bằng soffice --convert-to.", problem)
            return
        self._spawn()
        quick_deaths = 0
        while not self._stopping.wait(0.3):
            if self._proc.poll() is not None:
                self._ready.clear()
                log.warning("PDF: LibreOffice chạy sẵn đã dừng (mã %s); khởi động lại.", self._proc.returncode)
                lived = time.monotonic() - self._started_at
                self._end_server()
                quick_deaths = quick_deaths + 1 if lived < QUICK_DEATH_SECONDS else 0
                if quick_deaths >= QUICK_DEATHS_TO_GIVE_UP:
                    self._problem = f"LibreOffice chạy sẵn dừng ngay sau khi chạy {quick_deaths} lần liền (cổng {self.port} bận?)"
                    log.error("PDF: %s; các tệp PDF sẽ chuyển bằng soffice --convert-to.", self._problem)
                    return
                if quick_deaths and self._stopping.wait(RESTART_PAUSE_SECONDS):
                    return
                self.restarts += 1
                self._spawn()
            elif not self._ready.is_set() and self._answers():
                log.info("PDF: LibreOffice chạy sẵn ở cổng %s sau %.1f giây.", self.port, time.monotonic() - self._started_at)
                self._ready.set()

    def _spawn(self) -> None:
        self._profile = tempfile.mkdtemp(prefix="cchc-office-")
        site = str(Path(importlib.util.find_spec("unoserver").origin).parents[1])
        cmd = [
            PYTHON_WITH_UNO, "-c", _BOOT, site,
            "--interface", "127.0.0.1", "--port", str(self.port), "--uno-port", str(self.port + 1),
            "--executable", soffice(), "--user-installation", str(Path(self._profile) / "profile"),
            "--conversion-timeout", str(CONVERT_SECONDS), "--quiet",
        ]
        # A session of its own: Ctrl+C on `cchc serve` reaches it only through stop(), and killing the group
        # also ends a LibreOffice left behind by a unoserver that was killed.
        self._proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True)
        self._started_at = time.monotonic()
        # the next keeper ends this group if this process dies without stopping it (SIGKILL, a crash)
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(str(self._proc.pid))
        self._lock_file.flush()

    def _end_server(self) -> None:
        proc = self._proc
        if proc is not None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
            # whatever is left of the group: a LibreOffice whose unoserver was killed, or one that did not stop
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(10)
            self._proc = None
        if self._profile:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None

    def _answers(self) -> bool:
        try:
            self._proxy(timeout=2).system.listMethods()
            return True
        except (OSError, xmlrpc.client.Error):
            return False

    def _proxy(self, timeout: float) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self.port}", transport=_Transport(timeout), allow_none=True)

    # ----- converting, in any process -----

    def convert(self, docx_path: Path, pdf_path: Path) -> Path:
        """DOCX to PDF through the server: the one kept here once it is ready, or another process's."""
        if self.kept_here:
            self._wait_ready()
        pdf_path = Path(pdf_path).resolve()
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        with self._one_at_a_time:
            try:
                # unoserver's API 3: inpath, indata, outpath, convert_to, filtername, filter_options,
                # update_index (off: as soffice --convert-to), infiltername, password
                self._proxy(timeout=CONVERT_SECONDS + 10).convert(
                    str(Path(docx_path).resolve()), None, str(pdf_path), "pdf", None, [], False, None, None)
            except ConnectionRefusedError:
                if self.kept_here:
                    raise WarmUnavailable(f"cổng {self.port} không trả lời") from None
                raise WarmAbsent(f"không có LibreOffice chạy sẵn ở cổng {self.port}") from None
            except (OSError, xmlrpc.client.Error) as exc:
                raise WarmUnavailable(f"cổng {self.port}: {exc}") from None
        if not pdf_path.exists() or pdf_path.stat().st_size == 0:
            raise WarmUnavailable(f"cổng {self.port}: không có tệp PDF")
        self.conversions += 1
        return pdf_path


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _end_left_behind(lock) -> None:
    """The server group named in the lock file, if its keeper died without ending it: ended, so that its port
    is free again. Only processes of that group that are cchc's server (its profile, unoserver) are signalled."""
    lock.seek(0)
    raw = lock.read().strip()
    if not raw.isdigit():
        return
    pgid = int(raw)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ProcessLookupError):
            continue
        if b"cchc-office-" in cmdline or b"unoserver.server" in cmdline:
            log.warning("PDF: dừng LibreOffice chạy sẵn còn sót (nhóm tiến trình %s) của một tiến trình đã dừng.", pgid)
            _signal_group(pgid, signal.SIGKILL)
            time.sleep(0.5)  # its sockets closed before ours bind
            return


def _missing_requirement() -> str | None:
    if importlib.util.find_spec("unoserver") is None:
        return "thiếu gói Python unoserver (pip install -e .)"
    try:
        ok = subprocess.run([PYTHON_WITH_UNO, "-c", "import uno"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    if not ok:
        return f"{PYTHON_WITH_UNO} không có mô-đun uno (cài gói Debian python3-uno)"
    try:
        soffice()
    except PdfUnavailable as exc:
        return exc.message
    return None


_office: WarmOffice | None = None


def warm_office() -> WarmOffice:
    """This process's handle on the server of CCHC_PDF_PORT."""
    global _office
    if _office is None or _office.port != warm_port():
        _office = WarmOffice(warm_port())
    return _office


def start_warm() -> bool:
    """Keep a warm LibreOffice from now on (`cchc serve`, the application's start), unless CCHC_PDF_CONVERTER=cold
    or another process on this machine keeps it; True when this call started it (and should stop it)."""
    if converter() != "warm":
        return False
    return warm_office().start()


def stop_warm() -> None:
    if _office is not None:
        _office.stop()


