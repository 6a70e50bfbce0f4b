using System.CommandLine;
using AgentService.Server.Hosting;

namespace AgentService.Cli.Commands;

/// <summary><c>agentsvc serve</c>: runs the service in this process, with the same options as the server executable.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = $"Address(es) to listen on (default {AgentServiceApp.DefaultUrl})." };
        var dataDir = new Option<string>("--data-dir") { Description = "Directory of the database and blobs (default ./data)." };
        var agents = new Option<string>("--agents") { Description = "JSON file with agent definitions: {\"agents\": [...]}." };
        var maxUpload = CommonOptions.Number<long?, long>("--max-upload-bytes", "Largest artifact upload in bytes (default 104857600).");
        var stepWait = CommonOptions.Number<double?, double>("--step-wait", "Seconds POST step waits for completion (default 30).");
        var auth = new Option<string>("--auth") { Description = "none (default: every caller is an anonymous admin; loopback only) or apikey (every API needs a key)." };
        auth.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } mode && !Enum.TryParse<Server.Security.AuthMode>(mode, ignoreCase: true, out _))
            {
                result.AddError($"--auth takes none or apikey, not '{mode}'.");
            }
        });
        var allowNoAuth = new Option<bool?>("--allow-no-auth-on-network") { Description = "Start with --auth none on a non-loopback address anyway." };
        var command = new Command("serve", "Run the service (SQLite in --data-dir; unless --agents is given, the default echo agent: the EchoAgent runtime as a process, or in-process with --AgentService:DefaultAgent=builtin). Every other setting of docs/configuration.md is given as --Section:Key=value, e.g. --AgentService:Gateway:HeartbeatTimeout=00:01:00.")
        {
            urls, dataDir, agents, maxUpload, stepWait, auth, allowNoAuth,
        };

        // Anything else (e.g. --Logging:LogLevel:Default=Warning) is passed to the host's configuration.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var args = new List<string>();
            void Add(string name, object? value)
            {
                if (value is not null)
                {
                    args.Add(name);
                    args.Add(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!);
                }
            }

            Add("--urls", parseResult.GetValue(urls));
            Add("--data-dir", parseResult.GetValue(dataDir));
            Add("--agents", parseResult.GetValue(agents));
            Add("--max-upload-bytes", parseResult.GetValue(maxUpload));
            Add("--step-wait", parseResult.GetValue(stepWait));
            Add("--auth", parseResult.GetValue(auth));
            Add("--allow-no-auth-on-network", parseResult.GetValue(allowNoAuth));
            args.AddRange(parseResult.UnmatchedTokens);

            return await AgentServiceApp.RunAsync([.. args], parseResult.InvocationConfiguration.Error, "error: the service could not start: ", cancellationToken);
        });
        return command;
    }
}
