using System.Text.Json;
using AgentService.Protocol.Json;
using AgentService.Protocol.Runtime;
using AgentService.Protocol.Runtime.Events;

namespace AgentService.Runtime.Events;

public static partial class OutputEvents
{
    /// <summary><c>log.emitted</c>: a run-scoped log line.</summary>
    public static OutputEventDraft LogEmitted(LogEmittedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Draft(OutputEventTypes.LogEmitted, data, RuntimeJsonContext.Wire.LogEmittedData);
    }

    /// <summary><c>log.emitted</c> with a level (trace, debug, info, warn, error, fatal) and message.</summary>
    public static OutputEventDraft Log(string level, string message, string? logger = null) =>
        LogEmitted(new LogEmittedData { Level = level, Message = message, Logger = logger });

    /// <summary><c>metric.recorded</c>.</summary>
    public static OutputEventDraft MetricRecorded(MetricRecordedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Draft(OutputEventTypes.MetricRecorded, data, RuntimeJsonContext.Wire.MetricRecordedData);
    }

    /// <summary><c>error.occurred</c>; a fatal one is followed by run.finished(failed).</summary>
    public static OutputEventDraft ErrorOccurred(ErrorOccurredData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Draft(OutputEventTypes.ErrorOccurred, data, RuntimeJsonContext.Wire.ErrorOccurredData);
    }

    /// <summary><c>provider.raw</c> (ephemeral): a provider stream event verbatim, for debugging.</summary>
    public static OutputEventDraft ProviderRaw(string provider, JsonElement providerEvent) =>
        Draft(OutputEventTypes.ProviderRaw, new ProviderRawData { Provider = provider, ProviderEvent = providerEvent }, RuntimeJsonContext.Wire.ProviderRawData);
}
