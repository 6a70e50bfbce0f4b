using Microsoft.Extensions.Options;

namespace AgentService.Server.Gateway;

/// <summary>Refuses to start with gateway settings that cannot work, naming the setting.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        List<string> failures = [];
        void Positive(TimeSpan value, string key)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{GatewayOptions.SectionName}:{key} must be a positive time span (e.g. 00:00:30).");
            }
        }

        Positive(options.HeartbeatTimeout, nameof(options.HeartbeatTimeout));
        Positive(options.SweepInterval, nameof(options.SweepInterval));
        Positive(options.WebhookTimeout, nameof(options.WebhookTimeout));
        Positive(options.LeaseMargin, nameof(options.LeaseMargin));
        Positive(options.OutboxPollInterval, nameof(options.OutboxPollInterval));
        Positive(options.RetryInitialDelay, nameof(options.RetryInitialDelay));
        Positive(options.RetryMaxDelay, nameof(options.RetryMaxDelay));
        Positive(options.MessageExpiry, nameof(options.MessageExpiry));
        Positive(options.OfflineRecheckInterval, nameof(options.OfflineRecheckInterval));
        if (options.RetryMaxDelay < options.RetryInitialDelay)
        {
            failures.Add($"{GatewayOptions.SectionName}:RetryMaxDelay must not be shorter than RetryInitialDelay.");
        }

        if (options.MaxConcurrentDeliveries < 1)
        {
            failures.Add($"{GatewayOptions.SectionName}:MaxConcurrentDeliveries must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
