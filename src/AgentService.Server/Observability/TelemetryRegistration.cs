using AgentService.Server.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentService.Server.Observability;

/// <summary>Registers <see cref="ServiceTelemetry"/> and, when <c>AgentService:Telemetry:OtlpEndpoint</c> is set, the
/// OpenTelemetry SDK exporting the service's spans (with ASP.NET Core's request spans) and metrics (with ASP.NET Core's
/// and Kestrel's) over OTLP.</summary>
internal static class TelemetryRegistration
{
    /// <summary>The ASP.NET Core sources whose spans and instruments are exported with the service's own.</summary>
    private const string AspNetCoreSource = "Microsoft.AspNetCore";

    public static IServiceCollection AddServiceTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());
        services.TryAddSingleton<ServiceTelemetry>();

        // Read here to decide what to register; the values are validated (with their own messages) before the host
        // starts, which is when the exporters read them.
        var settings = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!settings.TracesExported && !settings.MetricsExported)
        {
            return services;
        }

        // service.instance.id: the configured node id, else one made for this process. (Not the node id kept in the
        // data directory: the providers are built with the host, before the options are checked, and nothing may be
        // written before that.)
        var nodeId = configuration[$"{AgentServiceOptions.SectionName}:{nameof(AgentServiceOptions.NodeId)}"];
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(settings.ServiceName, serviceVersion: ServiceTelemetry.Source.Version,
                serviceInstanceId: string.IsNullOrWhiteSpace(nodeId) ? null : nodeId.Trim(), autoGenerateServiceInstanceId: string.IsNullOrWhiteSpace(nodeId)));
        if (settings.TracesExported)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(ServiceTelemetry.Name, AspNetCoreSource)
                .SetSampler(new ParentBasedSampler(new AlwaysOnSampler()))
                .AddOtlpExporter(exporter =>
                {
                    Configure(exporter, settings, "v1/traces");
                    exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = settings.ExportIntervalMs;
                }));
        }

        if (settings.MetricsExported)
        {
            telemetry.WithMetrics(metrics => metrics
                .AddMeter(ServiceTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddOtlpExporter((exporter, reader) =>
                {
                    Configure(exporter, settings, "v1/metrics");
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = settings.ExportIntervalMs;
                }));
        }

        return services;
    }

    /// <summary>OTLP over HTTP takes the signal's full URL; over gRPC the endpoint itself.</summary>
    private static void Configure(OtlpExporterOptions exporter, TelemetryOptions settings, string signalPath)
    {
        // Runs while the host is built, before the options are validated: a bad value stops the start with its message.
        if (settings.Problem() is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        var endpoint = settings.OtlpEndpoint!.Trim();
        if (settings.OtlpProtocol == TelemetryOptions.Grpc)
        {
            exporter.Protocol = OtlpExportProtocol.Grpc;
            exporter.Endpoint = new Uri(endpoint);
        }
        else
        {
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            exporter.Endpoint = new Uri(endpoint.TrimEnd('/') + "/" + signalPath);
        }

        if (!string.IsNullOrWhiteSpace(settings.OtlpHeaders))
        {
            exporter.Headers = settings.OtlpHeaders;
        }
    }

    private sealed class TelemetryOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<TelemetryOptions>
    {
        public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, TelemetryOptions options) =>
            options.Problem() is { } problem
                ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problem)
                : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
    }
}
