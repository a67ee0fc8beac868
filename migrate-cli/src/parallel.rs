//! Processing many targets on all cores, with a progress bar when stderr is a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

/// Applies `work` to every item in parallel and returns the results in the items' order.
///
/// A progress bar is drawn on stderr when it is a terminal and there is more than one item.
pub fn map<T, R, F>(items: &[T], work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let bar = if items.len() > 1 && std::io::stderr().is_terminal() {
        let bar =
            ProgressBar::with_draw_target(Some(items.len() as u64), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let results = items
        .par_iter()
        .map(|item| {
            let result = work(item);
            bar.inc(1);
            result
        })
        .collect();
    bar.finish_and_clear();
    results
}
