using AgentService.Server.Hosting;
using AgentService.Server.Observability;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Security;

/// <summary>
/// At start in <c>apikey</c> mode with no key in the store at all: creates an admin key and writes it to the admin key
/// file with owner-only permissions, so the first admin can create the real keys (and then revoke this one). The key
/// is never logged; the log names the file.
/// </summary>
internal sealed class AuthInitializer(IOptions<AuthOptions> auth, IOptions<AgentServiceOptions> service, IApiKeyStore keys, TimeProvider time, ILogger<AuthInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Log.AuthMode(logger, auth.Value.Mode == AuthMode.ApiKey ? "apikey" : "none");
        if (auth.Value.Mode != AuthMode.ApiKey || await keys.AnyAsync(cancellationToken))
        {
            return;
        }

        var path = Path.GetFullPath(auth.Value.AdminKeyFile ?? Path.Combine(service.Value.DataDir, "admin.key"));
        var (keyId, key) = ApiKeys.Mint();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var file = new FileStream(path, options))
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteLineAsync(key);
        }

        await keys.CreateAsync(new ApiKeyRecord(keyId, "bootstrap admin", Roles.Admin, [], time.GetUtcNow(), null, null), ApiKeys.Hash(key), cancellationToken);
        Log.AdminKeyCreated(logger, keyId, path);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Refuses mode <c>none</c> on an address other than loopback unless <see cref="AuthOptions.AllowNoneOnNetwork"/>.</summary>
    public static void CheckBinding(IConfiguration configuration, ILogger logger)
    {
        var options = new AuthOptions();
        configuration.GetSection(AuthOptions.SectionName).Bind(options);
        if (options.Mode != AuthMode.None)
        {
            return;
        }

        var urls = (configuration[WebHostDefaults.ServerUrlsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>())
            .ToList();
        var open = urls.Where(url => !IsLoopback(url)).ToList();
        if (open.Count == 0)
        {
            return;
        }

        if (!options.AllowNoneOnNetwork)
        {
            throw new InvalidOperationException(
                $"Refusing to start without authentication (AgentService:Auth:Mode = none) on {string.Join(", ", open)}: anyone who reaches it would be an admin. "
                + "Use --auth apikey, listen on a loopback address, or force it with --allow-no-auth-on-network true.");
        }

        Log.NoAuthOnNetwork(logger, string.Join(", ", open));
    }

    private static bool IsLoopback(string url)
    {
        var rest = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        var host = rest.StartsWith('[') ? rest[..(rest.IndexOf(']') + 1)] : rest.Split(':', '/')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
    }
}
