/**
 * The endpoint scheduler: GIE's scheduling framework (filters, weighted scorers, a picker) over scraped and local
 * load, with an approximate prefix-cache index, returning ordered fallback lists.
 *
 * <h2>Parts</h2>
 * <ul>
 *   <li>{@link dev.sluice.picker.scheduler.Scheduler}, an {@link dev.sluice.picker.EndpointPicker}, runs a
 *       {@link dev.sluice.picker.scheduler.SchedulerProfile}; {@link dev.sluice.picker.scheduler.SchedulerProfiles}
 *       names the presets.</li>
 *   <li>Scorers: {@link dev.sluice.picker.scheduler.QueueScorer}, {@link dev.sluice.picker.scheduler.KvCacheScorer},
 *       {@link dev.sluice.picker.scheduler.PrefixCacheScorer},
 *       {@link dev.sluice.picker.scheduler.LoadAwarePrefixScorer},
 *       {@link dev.sluice.picker.scheduler.LoraAffinityScorer}, {@link dev.sluice.picker.scheduler.InFlightScorer}.
 *       Filters: {@link dev.sluice.picker.scheduler.SaturationFilter},
 *       {@link dev.sluice.picker.scheduler.PrefixAffinityFilter}. Pickers:
 *       {@link dev.sluice.picker.scheduler.MaxScorePicker}, {@link dev.sluice.picker.scheduler.WeightedRandomPicker},
 *       {@link dev.sluice.picker.scheduler.RandomPicker}, {@link dev.sluice.picker.scheduler.RoundRobinPicker}.</li>
 *   <li>{@link dev.sluice.picker.scheduler.BlockHasher} and {@link dev.sluice.picker.scheduler.PrefixIndex}: chained
 *       block hashes and the per-endpoint LRU prediction of what each KV cache holds.</li>
 *   <li>{@link dev.sluice.picker.scheduler.SaturationDetector}: how full a pool is, for admission
 *       ({@link dev.sluice.picker.flow.FlowController}) and as a filter.</li>
 * </ul>
 */
@NullMarked
package dev.sluice.picker.scheduler;

import org.jspecify.annotations.NullMarked;
