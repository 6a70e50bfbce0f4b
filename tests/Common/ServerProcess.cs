using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentService.Tests.Common;

/// <summary>
/// The real server as a separate operating-system process (<c>dotnet AgentService.Server.dll</c>) at a loopback port,
/// so a test can kill it outright (SIGKILL: no shutdown code runs). Its console output is kept for failure messages.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri baseAddress, string dataDir)
    {
        _process = process;
        BaseAddress = baseAddress;
        DataDir = dataDir;
    }

    public Uri BaseAddress { get; }

    public string DataDir { get; }

    /// <summary>What the process wrote so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Starts the server on a new data directory with <paramref name="args"/> and waits until <c>/readyz</c> answers 200.
    /// Without an agents file its default agent is the built-in in-process echo (<c>AgentService:DefaultAgent=builtin</c>).</summary>
    public static Task<ServerProcess> StartAsync(params string[] args) =>
        StartCoreAsync(appHost: false, ["--AgentService:DefaultAgent=builtin", .. args]);

    /// <summary>Starts the server as <c>dotnet run</c> does — its own executable (apphost), not <c>dotnet</c> — with only
    /// <paramref name="args"/> (so its own default agent), on a new data directory, and waits until it is ready.</summary>
    public static Task<ServerProcess> StartAppHostAsync(params string[] args) => StartCoreAsync(appHost: true, args);

    /// <summary>Starts the server like <see cref="StartAsync"/>, on an existing data directory (e.g. a stopped server's).</summary>
    public static Task<ServerProcess> StartOnAsync(string dataDir, params string[] args) =>
        StartCoreAsync(appHost: false, ["--AgentService:DefaultAgent=builtin", .. args], dataDir);

    /// <summary>Starts the server published in <paramref name="directory"/> (<c>dotnet publish src/AgentService.Server -o
    /// DIRECTORY</c>) with only <paramref name="args"/>, on a new data directory, and waits until it is ready.</summary>
    public static Task<ServerProcess> StartPublishedAsync(string directory, params string[] args) =>
        StartCoreAsync(appHost: false, args, directory: directory);

    private static async Task<ServerProcess> StartCoreAsync(bool appHost, string[] args, string? dataDir = null, string? directory = null)
    {
        dataDir ??= ServiceHost.NewDataDir();
        directory ??= AppContext.BaseDirectory;
        var port = FreePort();
        var dll = Path.Combine(directory, "AgentService.Server.dll");
        var executable = Path.Combine(directory, OperatingSystem.IsWindows() ? "AgentService.Server.exe" : "AgentService.Server");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(appHost ? executable : dotnet)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (!appHost)
        {
            start.ArgumentList.Add(dll);
        }

        foreach (var arg in (string[])["--urls", $"http://127.0.0.1:{port}", "--data-dir", dataDir, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the server process.");
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}/"), dataDir);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitReadyAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Runs the server (<c>dotnet AgentService.Server.dll</c>) with exactly <paramref name="args"/> and waits for it to exit,
    /// for a start that must fail; kills it and fails the test if it is still running after <paramref name="timeout"/>.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(TimeSpan timeout, params string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AgentService.Server.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the server process.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"The server was still running after {timeout.TotalSeconds} s: {await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Kills the process at once (SIGKILL) and waits for it to be gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Asks the process to stop as an operator or a load balancer's orchestrator does (SIGTERM) and returns its
    /// exit code once it has exited.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var signal = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", $"kill -TERM {_process.Id}" } })!;
            await signal.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task WaitReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server process exited with code {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync("readyz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow to answer while starting.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The server process did not become ready within 60 s:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
