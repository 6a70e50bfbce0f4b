using Microsoft.Extensions.Options;

namespace AgentService.Server.Hosting;

/// <summary>Refuses to start with settings that cannot work, naming the setting.</summary>
internal sealed class AgentServiceOptionsValidator : IValidateOptions<AgentServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentServiceOptions options)
    {
        List<string> failures = [];
        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            failures.Add("AgentService:DataDir (--data-dir) must name a directory.");
        }

        if (options.MaxUploadBytes <= 0)
        {
            failures.Add("AgentService:MaxUploadBytes must be positive.");
        }

        if (options.MaxJsonBodyBytes <= 0)
        {
            failures.Add("AgentService:MaxJsonBodyBytes must be positive.");
        }

        if (options.MaxJsonDepth is < 1 or > 1024)
        {
            failures.Add("AgentService:MaxJsonDepth must be between 1 and 1024.");
        }

        if (options.StepWaitSeconds < 0 || options.MaxStepWaitSeconds < 0)
        {
            failures.Add("AgentService:StepWaitSeconds and MaxStepWaitSeconds must not be negative.");
        }

        if (options.BuiltInConcurrency < 1)
        {
            failures.Add("AgentService:BuiltInConcurrency must be at least 1.");
        }

        if (options.Storage.Postgres is { Length: > 0 } postgres && !string.IsNullOrWhiteSpace(postgres))
        {
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(postgres);
            }
            catch (ArgumentException ex)
            {
                // The driver's message names the key it could not set (and its value, which is never the password:
                // any string is a valid password).
                failures.Add($"AgentService:Storage:Postgres is not a valid PostgreSQL connection string: {ex.Message.ReplaceLineEndings(" ")}");
            }
        }

        if (!Enum.IsDefined(options.DefaultAgent))
        {
            failures.Add("AgentService:DefaultAgent must be 'process' or 'builtin'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
