"""Time-series data: invertible transforms (:mod:`.transforms`), frequency inference (:mod:`.frequency`)
and seasonal-period detection (:mod:`.seasonality`)."""

from rnnkit.data.timeseries.frequency import FrequencyInfo, infer_frequency, regularize_index
from rnnkit.data.timeseries.seasonality import PeriodInfo, detect_period, seasonal_candidates
from rnnkit.data.timeseries.transforms import BoxCox, Difference, Log, Pipeline, Scaler, SeasonalSTL, Transform, \
    interpolate_missing, transform_from_dict

__all__ = ["Transform", "Scaler", "Log", "BoxCox", "SeasonalSTL", "Difference", "Pipeline", "transform_from_dict",
           "interpolate_missing", "FrequencyInfo", "infer_frequency", "regularize_index", "seasonal_candidates",
           "PeriodInfo", "detect_period"]
