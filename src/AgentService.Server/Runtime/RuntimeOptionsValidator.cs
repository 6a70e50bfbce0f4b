using Microsoft.Extensions.Options;

namespace AgentService.Server.Runtime;

/// <summary>Refuses to start with runtime input limits that cannot work, naming the setting.</summary>
internal sealed class RuntimeOptionsValidator : IValidateOptions<RuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, RuntimeOptions options)
    {
        List<string> failures = [];
        if (options.MaxFrameBytes <= 0)
        {
            failures.Add("AgentService:Runtime:MaxFrameBytes must be positive.");
        }

        // The attach reply carries it, and the protocol's schema asks for at least a second.
        if (options.HeartbeatIntervalMs < 1000)
        {
            failures.Add("AgentService:Runtime:HeartbeatIntervalMs must be at least 1000 (the protocol's minimum).");
        }

        if (options.MaxFrameDepth is < 1 or > 1024)
        {
            failures.Add("AgentService:Runtime:MaxFrameDepth must be between 1 and 1024.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
