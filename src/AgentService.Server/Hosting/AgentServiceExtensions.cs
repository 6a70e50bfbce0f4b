using AgentService.Protocol.Json;
using AgentService.Server.AgentProtocol;
using AgentService.Server.Agents;
using AgentService.Server.Errors;
using AgentService.Server.Events;
using AgentService.Server.Gateway;
using AgentService.Server.Observability;
using AgentService.Server.Runs;
using AgentService.Server.Runs.BuiltIn;
using AgentService.Server.Runtime;
using AgentService.Server.Security;
using AgentService.Server.Storage;
using AgentService.Server.Storage.Blobs;
using AgentService.Server.Storage.Postgres;
using AgentService.Server.Storage.Sql;
using AgentService.Server.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Hosting;

/// <summary><c>AddAgentService</c> registers the services; <c>MapAgentService</c> maps every API.</summary>
public static class AgentServiceExtensions
{
    public static IServiceCollection AddAgentService(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AgentServiceOptions>().Bind(configuration.GetSection(AgentServiceOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentServiceOptions>, AgentServiceOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ProtocolJsonContext.Wire));

        services.TryAddSingleton<AgentCatalog>();

        // Secrets at rest: AES-GCM under a key from configuration or a key file made on first start.
        services.AddOptions<Security.SecurityOptions>().Bind(configuration.GetSection(Security.SecurityOptions.SectionName));
        services.TryAddSingleton<Security.SecretProtector>();
        services.AddHostedService<Security.SecretsInitializer>();
        services.TryAddSingleton<NodeIdentity>();
        services.AddServiceTelemetry(configuration);

        // Authentication (API keys, run tokens), roles and per-agent grants, the audit log, rate limits.
        // Validated (and so bound) before anything starts: a bad value stops the start before the store is migrated
        // or an admin key is written.
        services.AddOptions<Security.AuthOptions>().Bind(configuration.GetSection(Security.AuthOptions.SectionName))
            .Validate(o => o.KeyCacheSeconds is >= 0 and <= 3600, $"{Security.AuthOptions.SectionName}:KeyCacheSeconds must be from 0 to 3600.")
            .ValidateOnStart();
        services.AddOptions<Security.RateLimitOptions>().Bind(configuration.GetSection(Security.RateLimitOptions.SectionName))
            .Validate(o => o.PerKey.IsValid && o.PerAgent.IsValid, $"{Security.RateLimitOptions.SectionName}:PerKey and :PerAgent: TokensPerSecond and Burst must be 0 or more (TokensPerSecond 0: no limit).")
            .Validate(o => o.RuntimeFrames.IsValid && o.RuntimeFrames.TokensPerSecond > 0, $"{Security.RateLimitOptions.SectionName}:RuntimeFrames: TokensPerSecond must be 1 or more and Burst 0 or more.")
            .ValidateOnStart();
        services.TryAddSingleton<AgentConfiguration>();
        services.TryAddSingleton<Security.CredentialVerifier>();
        services.AddAuthentication(Security.ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, Security.ApiKeyAuthenticationHandler>(Security.ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAccessPolicies();
        services.AddRateLimiter(_ => { });
        services.AddRateLimits();
        services.AddHostedService<Security.AuthInitializer>();

        services.TryAddSingleton<RunWakeups>();

        // The node's SQLite database always exists (the start checks and the admin key bootstrap use it). With a
        // PostgreSQL connection string every store moves to PostgreSQL, shared by every node: the Agent Protocol stores
        // (tasks, steps, artifacts, blobs), runs with their attempts, deliveries, event log, run model and session KV,
        // the gateway (registry, messages, outbox), the agents' secrets, API keys, the audit log and admin-set config.
        services.TryAddSingleton<SqliteDatabase>();
        if (!string.IsNullOrWhiteSpace(configuration[$"{AgentServiceOptions.SectionName}:Storage:Postgres"]))
        {
            services.TryAddSingleton<PostgresDatabase>();
            services.TryAddSingleton<ISqlDatabase>(sp => sp.GetRequiredService<PostgresDatabase>());
            services.TryAddSingleton<IStorageHealth>(sp => sp.GetRequiredService<PostgresDatabase>());
            services.TryAddSingleton<ITaskStore, PostgresTaskStore>();
            services.TryAddSingleton<IStepStore, PostgresStepStore>();
            services.TryAddSingleton<IArtifactStore, PostgresArtifactStore>();
            services.TryAddSingleton<IBlobStore, PostgresBlobStore>();
            services.TryAddSingleton<IApiKeyStore, PostgresApiKeyStore>();
            services.TryAddSingleton<IAuditLog, PostgresAuditLog>();
            services.TryAddSingleton<IAgentConfigStore, PostgresAgentConfigStore>();
            services.TryAddSingleton<IGatewayAgentStore, PostgresGatewayAgentStore>();
            services.TryAddSingleton<IGatewayMessageStore, PostgresGatewayMessageStore>();
            services.TryAddSingleton<IAgentSecretStore, PostgresAgentSecretStore>();
            services.TryAddSingleton<PostgresClusterBroadcast>();
            services.TryAddSingleton<IClusterBroadcast>(sp => sp.GetRequiredService<PostgresClusterBroadcast>());
            services.AddHostedService<PostgresListener>();
        }
        else
        {
            services.TryAddSingleton<ISqlDatabase>(sp => sp.GetRequiredService<SqliteDatabase>());
            services.TryAddSingleton<IStorageHealth>(sp => sp.GetRequiredService<SqliteDatabase>());
            services.TryAddSingleton<ITaskStore, SqliteTaskStore>();
            services.TryAddSingleton<IStepStore, SqliteStepStore>();
            services.TryAddSingleton<IArtifactStore, SqliteArtifactStore>();
            services.TryAddSingleton<IBlobStore, FileBlobStore>();
            services.TryAddSingleton<IAgentSecretStore, SqliteAgentSecretStore>();
        }

        // Runs on runtime processes (runtime connection protocol): one implementation over either database, in the
        // same database as the Agent Protocol tables their event log projects onto.
        services.AddOptions<RuntimeOptions>().Bind(configuration.GetSection($"{AgentServiceOptions.SectionName}:Runtime")).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RuntimeOptions>, RuntimeOptionsValidator>());
        services.TryAddSingleton<SqlRunStore>();
        services.TryAddSingleton<IRunStore>(sp => sp.GetRequiredService<SqlRunStore>());
        services.TryAddSingleton<IDeliveryStore, SqlDeliveryStore>();
        services.TryAddSingleton<IEventLog, SqlEventLog>();
        services.TryAddSingleton<ISessionKvStore, SqlSessionKvStore>();
        services.TryAddSingleton<RuntimeSignals>();
        services.TryAddSingleton<RuntimeServices>();
        services.TryAddSingleton<RuntimeLauncher>();
        services.AddHostedService(sp => sp.GetRequiredService<RuntimeLauncher>());
        services.AddHostedService<RunWakeupDispatcher>();
        services.TryAddSingleton<RuntimeStepExecutor>();

        // The run event model: tool calls, interactions (answered over HTTP, expired by a sweeper), checkpoints.
        services.TryAddSingleton<IRunModelStore, SqlRunModelStore>();
        services.TryAddSingleton<Interactions.InteractionService>();
        services.AddHostedService<Interactions.InteractionExpirySweeper>();

        // Keys, audit and admin-set config: PostgreSQL when configured (registered above), else the node's SQLite.
        services.TryAddSingleton<IApiKeyStore, SqliteApiKeyStore>();
        services.TryAddSingleton<IAuditLog, SqliteAuditLog>();
        services.TryAddSingleton<IAgentConfigStore, SqliteAgentConfigStore>();

        services.TryAddSingleton<StepNotifier>();
        services.TryAddSingleton<BuiltInStepExecutor>();
        services.AddHostedService(sp => sp.GetRequiredService<BuiltInStepExecutor>());
        services.TryAddSingleton<IStepExecutor, StepExecutorRouter>();

        services.TryAddSingleton<AgentProtocolService>();
        services.AddGateway(configuration);
        return services;
    }

    public static IEndpointRouteBuilder MapAgentService(this WebApplication app)
    {
        if (app.Services.GetService<AgentProtocolService>() is null)
        {
            throw new InvalidOperationException("Call services.AddAgentService() before app.MapAgentService().");
        }

        // Resolve the catalog now so a bad agents file stops the start with its message.
        var agents = app.Services.GetRequiredService<AgentCatalog>();
        // Likewise a webhook URL of the agents file that the gateway refuses.
        _ = app.Services.GetRequiredService<GatewayService>().HostedAgentCards();
        // The audit sits outside the error edge so it records the status the client got; the error edge wraps
        // routing, so unknown routes and wrong methods get JSON bodies too. Authentication comes before the rate
        // limiter (buckets are per key) and authorization (every endpoint has a policy; unmapped ones are admin-only).
        var tracing = app.Services.GetRequiredService<Observability.ServiceTelemetry>().Tracing;
        if (tracing)
        {
            // Outermost, so the request's span gets the status the client got.
            app.Use(Observability.RequestTraceContext.DescribeSpanAsync);
        }

        app.UseMiddleware<Security.AuditMiddleware>();
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.Use((context, next) => Observability.RequestTraceContext.InvokeAsync(context, next, tracing));
        app.Use(HeadRequests.InvokeAsync);
        app.UseRouting();
        // In mode none a request without credentials skips authentication (NoAuthPolicyEvaluator); with one, the
        // authorization step authenticates it with the policy's scheme.
        if (app.Services.GetRequiredService<IOptions<Security.AuthOptions>>().Value.Mode != Security.AuthMode.None)
        {
            app.UseAuthentication();
        }

        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.MapHealth();
        app.MapSecurity();
        app.MapAgentProtocol();
        app.MapRuntime();
        app.MapRuns();
        app.MapClaims();
        app.MapAgentRuns();
        app.MapRunStreams();
        app.MapRunModel();
        app.MapGateway();
        return app;
    }
}
