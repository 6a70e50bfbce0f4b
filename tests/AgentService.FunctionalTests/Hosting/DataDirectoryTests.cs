using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.Hosting;

/// <summary>What the service keeps in its data directory (tasks, messages, the audit log) is its owner's only.</summary>
[Trait("Storage", "SqliteOnly")]
public sealed class DataDirectoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ADataDirectoryTheServiceCreates_AndItsDatabase_AreOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var dataDir = _dir.File("fresh/data");
        await using (var host = await ServiceHost.StartAsync(dataDir))
        {
            await Api.CreateTaskAsync(host.CreateClient(), "written to the WAL");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dataDir));
            foreach (var file in new[] { "agentservice.db", "agentservice.db-wal", "agentservice.db-shm" })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir, file)));
            }
        }

        // A directory the operator made keeps the mode they gave it.
        var own = _dir.File("own");
        Directory.CreateDirectory(own, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        await using (await ServiceHost.StartAsync(own))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(own));
        }
    }
}
