namespace AgentService.Server.Observability;

/// <summary>The <c>AgentService:Telemetry</c> section: where the service's traces and metrics go (OpenTelemetry, OTLP).
/// Nothing is exported while <see cref="OtlpEndpoint"/> is unset.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "AgentService:Telemetry";

    /// <summary>The OTLP receiver, e.g. <c>http://collector:4318</c> (<c>http/protobuf</c>; the signal paths
    /// <c>/v1/traces</c> and <c>/v1/metrics</c> are added) or <c>http://collector:4317</c> (<c>grpc</c>).</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>http/protobuf</c> (default) or <c>grpc</c>.</summary>
    public string OtlpProtocol { get; set; } = HttpProtobuf;

    /// <summary>Headers sent with every export, as <c>name=value</c> pairs separated by commas (an API key of a
    /// hosted backend, for instance).</summary>
    public string? OtlpHeaders { get; set; }

    /// <summary><c>service.name</c> of the resource; its <c>service.instance.id</c> is <c>AgentService:NodeId</c> when
    /// set, else an id made per process.</summary>
    public string ServiceName { get; set; } = "agentservice";

    /// <summary>Export traces (default true, when an endpoint is set).</summary>
    public bool Traces { get; set; } = true;

    /// <summary>Export metrics (default true, when an endpoint is set).</summary>
    public bool Metrics { get; set; } = true;

    /// <summary>How often finished spans and metrics are sent, in milliseconds (100 to 3,600,000; default 5000).</summary>
    public int ExportIntervalMs { get; set; } = 5000;

    public const string HttpProtobuf = "http/protobuf";
    public const string Grpc = "grpc";

    internal bool TracesExported => Traces && !string.IsNullOrWhiteSpace(OtlpEndpoint);

    internal bool MetricsExported => Metrics && !string.IsNullOrWhiteSpace(OtlpEndpoint);

    /// <summary>The first problem of these settings, or null.</summary>
    internal string? Problem()
    {
        if (!string.IsNullOrWhiteSpace(OtlpEndpoint)
            && !(Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query)))
        {
            return $"{SectionName}:OtlpEndpoint must be an absolute http or https URL without a query, such as http://127.0.0.1:4318.";
        }

        if (OtlpProtocol is not (HttpProtobuf or Grpc))
        {
            return $"{SectionName}:OtlpProtocol must be '{HttpProtobuf}' or '{Grpc}'.";
        }

        if (ExportIntervalMs is < 100 or > 3_600_000)
        {
            return $"{SectionName}:ExportIntervalMs must be from 100 to 3600000.";
        }

        if (string.IsNullOrWhiteSpace(ServiceName))
        {
            return $"{SectionName}:ServiceName must not be empty.";
        }

        if (OtlpHeaders is { Length: > 0 } headers && headers.Split(',').Any(pair => pair.IndexOf('=', StringComparison.Ordinal) <= 0))
        {
            return $"{SectionName}:OtlpHeaders must be name=value pairs separated by commas.";
        }

        return null;
    }
}
