"""Computing and publishing results of runs (Qt-free; matplotlib only when exporting).

* :mod:`.smoothing` — TensorBoard's debiased EMA on every point (``ema``), the
  time-weighted variant for uneven x (``time_weighted_ema``), centred and trailing moving
  averages, a Gaussian kernel and none (``smoothed``), each with its ``formula``.
* :mod:`.align` — curves from runs (``make_curve``), groups (``group_by_config``,
  ``group_by_regex``, ``group_explicit``) and a group's centre with a band on a common
  grid (``aggregate_group``: mean/median, ±std, ±SEM, min–max, bootstrap CI, n per point).
* :mod:`.aggregate` — rliable's methods: normalisation by reference tables, IQM, median,
  mean, optimality gap with stratified bootstrap CIs, performance profiles, probability
  of improvement.
* :mod:`.figure` / :mod:`.aggregate_figure` — publication figures (PDF/SVG/PNG) and the
  CSV of what is drawn.
* :mod:`.summaries` — summary columns of runs (last, min, max, mean of the last N, value
  at a step, smoothed last) and the filter language over config and summaries.
* :mod:`.view` — crosshair read-out and outlier-robust auto-range for a plot view.

The verb the GUI and CLI share is :mod:`paperscope.workflows.plots`.
"""
