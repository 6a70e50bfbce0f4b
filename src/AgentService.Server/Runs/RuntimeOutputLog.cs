namespace AgentService.Server.Runs;

/// <summary>
/// A runtime process's stdout and stderr, a line each with its time and stream, in
/// <c>&lt;data-dir&gt;/runs/&lt;run&gt;/&lt;attempt&gt;.log</c>. Lines arrive on the process's reader threads, where an
/// exception would end the service: a line that cannot be written (the log closed, the disk full) is dropped, and
/// closing waits for a line being written.
/// </summary>
internal sealed class RuntimeOutputLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly StreamWriter _writer;
    private bool _closed;

    public RuntimeOutputLog(string path)
    {
        _writer = new StreamWriter(path, append: true) { AutoFlush = true };
    }

    public void Write(string stream, string? line)
    {
        if (line is null)
        {
            return; // The end of that stream.
        }

        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            try
            {
                _writer.WriteLine($"{DateTime.UtcNow:O} {stream} {line}");
            }
            catch (IOException)
            {
                // Not kept: the process's output must never stop the service.
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            try
            {
                _writer.Dispose();
            }
            catch (IOException)
            {
                // Its last flush failed; the lines before it are on disk.
            }
        }
    }
}
