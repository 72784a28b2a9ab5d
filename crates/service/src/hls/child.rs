//! Starting ffmpeg and ffprobe so that they die with the server, even when
//! it is killed with SIGKILL.
//!
//! tokio's `kill_on_drop` kills a child when its handle is dropped: that
//! covers a graceful stop and a lost lease, but nothing runs on a
//! `kill -9`, and an orphaned ffmpeg would go on writing into a temporary
//! folder that no worker will ever move into place (and, on a restart,
//! compete with the worker that takes the job again). On Linux the child
//! asks the kernel for SIGKILL when its parent dies (`PR_SET_PDEATHSIG`,
//! kept across `exec`, so `nice` passes it on to ffmpeg).
//!
//! The kernel's "parent" there is the *thread* that forked, not the
//! process: a child forked from a tokio blocking-pool thread (ended after
//! 10 s idle) or from a runtime thread that is shut down would be killed
//! with that thread, mid-job. So every child is forked by one dedicated
//! thread that never ends: it lives exactly as long as the process.

use std::io;
use std::process::{ExitStatus, Output};
use std::sync::{mpsc, OnceLock};

use tokio::process::{Child, Command};
use tokio::sync::oneshot;

/// One child to start, in the runtime of the task that asked.
struct Request {
    command: Command,
    runtime: tokio::runtime::Handle,
    reply: oneshot::Sender<io::Result<Child>>,
}

/// The spawner thread's mailbox (`None` when the thread could not start).
static SPAWNER: OnceLock<Option<mpsc::Sender<Request>>> = OnceLock::new();

fn spawner() -> io::Result<&'static mpsc::Sender<Request>> {
    SPAWNER
        .get_or_init(|| {
            let (sender, requests) = mpsc::channel::<Request>();
            std::thread::Builder::new()
                .name("mstream-spawner".into())
                .spawn(move || serve(&requests))
                .ok()
                .map(|_| sender)
        })
        .as_ref()
        .ok_or_else(|| io::Error::other("cannot start the thread that runs ffmpeg"))
}

/// The spawner thread: forks each child asked for. It returns only when
/// every sender is gone, and the static keeps one for the process's life.
fn serve(requests: &mpsc::Receiver<Request>) {
    while let Ok(Request {
        mut command,
        runtime,
        reply,
    }) = requests.recv()
    {
        // tokio's child handle registers with the asking task's runtime
        // (its SIGCHLD reaper), so the fork happens inside that runtime.
        let _entered = runtime.enter();
        let _ = reply.send(command.spawn());
    }
}

/// Starts `command` (killed when its handle is dropped, and when this
/// process dies).
pub async fn spawn(mut command: Command) -> io::Result<Child> {
    command.kill_on_drop(true);
    die_with_process(&mut command);
    let runtime = tokio::runtime::Handle::try_current().map_err(io::Error::other)?;
    let (reply, answer) = oneshot::channel();
    spawner()?
        .send(Request {
            command,
            runtime,
            reply,
        })
        .map_err(|_| io::Error::other("the thread that runs ffmpeg is gone"))?;
    answer
        .await
        .map_err(|_| io::Error::other("the thread that runs ffmpeg is gone"))?
}

/// Runs `command` to its end and collects what it wrote to the pipes it
/// was given.
pub async fn output(command: Command) -> io::Result<Output> {
    spawn(command).await?.wait_with_output().await
}

/// Runs `command` to its end.
pub async fn status(command: Command) -> io::Result<ExitStatus> {
    spawn(command).await?.wait().await
}

/// Asks the kernel to SIGKILL the child when the spawner thread (so, the
/// process) dies. The workspace denies `unsafe`; this is its one
/// exception (docs/decisions.md, 2026-12-03).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn die_with_process(command: &mut Command) {
    let parent = std::process::id();
    // SAFETY: the closure runs in the forked child before `exec`, where
    // only async-signal-safe calls are allowed: `prctl` and `getppid` are
    // bare system calls, and nothing here allocates or takes a lock (the
    // errors are built from raw OS codes).
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
            ) == -1
            {
                return Err(io::Error::last_os_error());
            }
            // The server may have died between the fork and the prctl:
            // then no signal will come, so give up now.
            if u32::try_from(libc::getppid()).ok() != Some(parent) {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// Elsewhere the child is killed when its handle is dropped only.
#[cfg(not(target_os = "linux"))]
fn die_with_process(_command: &mut Command) {}
