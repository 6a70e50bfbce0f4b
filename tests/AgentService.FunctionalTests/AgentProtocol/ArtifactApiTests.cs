using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using AgentService.Tests.Common;

namespace AgentService.FunctionalTests.AgentProtocol;

public sealed class ArtifactApiTests : IAsyncLifetime
{
    private ServiceHost _host = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _host = await ServiceHost.StartAsync(null, "--max-upload-bytes", (8 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        _http = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        Assert.Empty(_host.Errors);
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Upload_ThenDownload_ReturnsTheExactBytesAsOctetStreamWithTheFileName()
    {
        var taskId = await Api.CreateTaskAsync(_http);
        var bytes = RandomNumberGenerator.GetBytes(100_000);

        using var upload = await Api.UploadAsync(_http, taskId, bytes, "data.bin", "python/code/");
        var artifact = await Api.ReadJsonAsync(upload, HttpStatusCode.OK);

        Assert.Equal(["agent_created", "artifact_id", "file_name", "relative_path"], Api.PropertyNames(artifact));
        Assert.False(artifact.GetProperty("agent_created").GetBoolean());
        Assert.Equal("data.bin", artifact.GetProperty("file_name").GetString());
        Assert.Equal("python/code", artifact.GetProperty("relative_path").GetString());

        using var download = await _http.GetAsync($"ap/v1/agent/tasks/{taskId}/artifacts/{artifact.GetProperty("artifact_id").GetString()}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("data.bin", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Upload_WithoutRelativePath_HasNullRelativePathAndIsListed()
    {
        var taskId = await Api.CreateTaskAsync(_http);

        using var upload = await Api.UploadAsync(_http, taskId, "hi"u8.ToArray(), "test_output.txt");
        var artifact = await Api.ReadJsonAsync(upload, HttpStatusCode.OK);

        Assert.Equal(System.Text.Json.JsonValueKind.Null, artifact.GetProperty("relative_path").ValueKind);
        var list = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/artifacts");
        Assert.Equal(artifact.ToString(), Assert.Single(list.GetProperty("artifacts").EnumerateArray()).ToString());
        var task = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}");
        Assert.Single(task.GetProperty("artifacts").EnumerateArray());
    }

    [Fact]
    public async Task Upload_SameFileNameTwice_GivesTwoArtifactsEachWithItsOwnBytes()
    {
        var taskId = await Api.CreateTaskAsync(_http);

        using var first = await Api.UploadAsync(_http, taskId, "first"u8.ToArray(), "same.txt");
        using var second = await Api.UploadAsync(_http, taskId, "second"u8.ToArray(), "same.txt");
        var a = (await Api.ReadJsonAsync(first, HttpStatusCode.OK)).GetProperty("artifact_id").GetString();
        var b = (await Api.ReadJsonAsync(second, HttpStatusCode.OK)).GetProperty("artifact_id").GetString();

        Assert.NotEqual(a, b);
        Assert.Equal("first", await _http.GetStringAsync($"ap/v1/agent/tasks/{taskId}/artifacts/{a}"));
        Assert.Equal("second", await _http.GetStringAsync($"ap/v1/agent/tasks/{taskId}/artifacts/{b}"));
        var list = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/artifacts");
        Assert.Equal(2, list.GetProperty("pagination").GetProperty("total_items").GetInt32());
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("a/b/../../../etc")]
    [InlineData("/etc/passwd")]
    [InlineData("C:\\Windows")]
    [InlineData("c:/temp")]
    [InlineData("..\\..\\x")]
    [InlineData("a\\..\\..\\b")]
    [InlineData("\\\\server\\share")]
    [InlineData("a\0b")]
    [InlineData("~/secrets")]
    public async Task Upload_PathEscapingTheWorkspace_Is422AndStoresNothing(string relativePath)
    {
        var taskId = await Api.CreateTaskAsync(_http);

        using var response = await Api.UploadAsync(_http, taskId, "x"u8.ToArray(), "f.txt", relativePath);

        await Api.AssertInvalidAsync(response, "relative_path");
        await AssertNoArtifactsAsync(taskId);
    }

    [Theory]
    [InlineData("../../evil.txt", "evil.txt")]
    [InlineData("dir\\name.txt", "name.txt")]
    public async Task Upload_FileNameWithPath_KeepsOnlyTheName(string fileName, string expected)
    {
        var taskId = await Api.CreateTaskAsync(_http);

        using var response = await Api.UploadAsync(_http, taskId, "x"u8.ToArray(), fileName);

        Assert.Equal(expected, (await Api.ReadJsonAsync(response, HttpStatusCode.OK)).GetProperty("file_name").GetString());
    }

    [Fact]
    public async Task Upload_WithoutFilePart_Is422NamingFile()
    {
        var taskId = await Api.CreateTaskAsync(_http);
        using var form = new MultipartFormDataContent { { new StringContent("docs"), "relative_path" } };

        using var response = await _http.PostAsync($"ap/v1/agent/tasks/{taskId}/artifacts", form);

        await Api.AssertInvalidAsync(response, "file");
    }

    [Fact]
    public async Task Upload_NotMultipart_Is415Json()
    {
        var taskId = await Api.CreateTaskAsync(_http);

        using var response = await _http.PostAsync($"ap/v1/agent/tasks/{taskId}/artifacts", Api.Json("{}"));

        await Api.ReadJsonAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Upload_Compressed_Is415AndStoresNothing()
    {
        // The body would be stored as the compressed bytes, which the client did not mean.
        var taskId = await Api.CreateTaskAsync(_http);
        var content = new StringContent("--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhi\r\n--xyz--\r\n");
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await _http.PostAsync($"ap/v1/agent/tasks/{taskId}/artifacts", content);

        var error = await Api.ReadJsonAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("Content-Encoding 'gzip'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await AssertNoArtifactsAsync(taskId);
    }

    [Theory]
    [InlineData("half a fi")]
    [InlineData("the file\r\n--xyz")]
    [InlineData("the file\r\n--xyz\r\n")]
    [InlineData("the file\r\n--xyz\r\nContent-Disposition: form-data; name=\"relative_path\"\r\n\r\ndi")]
    public async Task Upload_TruncatedMultipart_Is422EndedEarly(string rest)
    {
        // However the body is cut off — in a part, or after a boundary without the closing '--' — it is named as cut off.
        var taskId = await Api.CreateTaskAsync(_http);
        var content = new StringContent("--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n" + rest);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");

        using var response = await _http.PostAsync($"ap/v1/agent/tasks/{taskId}/artifacts", content);

        var error = await Api.ReadJsonAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Invalid 'body': the multipart body ended early", error.GetProperty("message").GetString());
        await AssertNoArtifactsAsync(taskId);
    }

    [Fact]
    public async Task Upload_PartWithoutContentDisposition_Is422NamingTheHeader()
    {
        var taskId = await Api.CreateTaskAsync(_http);
        var content = new StringContent("--xyz\r\nContent-Type: text/plain\r\n\r\nbytes\r\n--xyz--\r\n");
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");

        using var response = await _http.PostAsync($"ap/v1/agent/tasks/{taskId}/artifacts", content);

        var error = await Api.ReadJsonAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("'Content-Disposition: form-data' header", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await AssertNoArtifactsAsync(taskId);
    }

    [Fact]
    public async Task Upload_OverTheLimit_Is413JsonAndStoresNothing()
    {
        var taskId = await Api.CreateTaskAsync(_http);

        using var response = await Api.UploadAsync(_http, taskId, new byte[9 * 1024 * 1024], "big.bin");

        var error = await Api.ReadJsonAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("limit", error.GetProperty("message").GetString());
        await AssertNoArtifactsAsync(taskId);
        if (ServiceHost.UsesPostgres)
        {
            Assert.Equal(0L, await _host.ExecuteSqlAsync("SELECT COUNT(*) FROM blob_chunks c WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.upload_id = c.upload_id)"));
        }
        else
        {
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(_host.DataDir, "blobs", "tmp")));
        }
    }

    [Fact]
    public async Task Upload_OverTheLimit_SentChunked_Is413Too()
    {
        // No Content-Length to refuse up front: the limit is met while the body is read.
        var taskId = await Api.CreateTaskAsync(_http);
        using var form = new MultipartFormDataContent();
        form.Add(new StreamContent(new PatternStream(9L * 1024 * 1024)), "file", "big.bin");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"ap/v1/agent/tasks/{taskId}/artifacts") { Content = form };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _http.SendAsync(request);

        await Api.ReadJsonAsync(response, HttpStatusCode.RequestEntityTooLarge);
        await AssertNoArtifactsAsync(taskId);
    }

    [Theory]
    [InlineData("filename=\"a\\\"b.txt\"", "a\"b.txt")]
    [InlineData("filename=\"say \\\"hi\\\".md\"", "say \"hi\".md")]
    public async Task Upload_QuotedFileNameWithEscapes_IsStoredUnescaped(string disposition, string expected)
    {
        var taskId = await Api.CreateTaskAsync(_http);

        using var response = await _http.PostAsync($"ap/v1/agent/tasks/{taskId}/artifacts", RawMultipart(
            Encoding.UTF8.GetBytes($"--xyz\r\nContent-Disposition: form-data; name=\"file\"; {disposition}\r\n\r\nbytes\r\n--xyz--\r\n")));

        var artifact = await Api.ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(expected, artifact.GetProperty("file_name").GetString());
    }

    [Fact]
    public async Task Upload_FileNameThatIsNotUtf8_OrTwoRelativePaths_Is422AndStoresNothing()
    {
        var taskId = await Api.CreateTaskAsync(_http);
        byte[] notUtf8 = [.. "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\""u8, 0xFF, 0xFE, .. ".txt\"\r\n\r\nbytes\r\n--xyz--\r\n"u8];
        var twoPaths = Encoding.UTF8.GetBytes("--xyz\r\nContent-Disposition: form-data; name=\"relative_path\"\r\n\r\na/b\r\n"
            + "--xyz\r\nContent-Disposition: form-data; name=\"relative_path\"\r\n\r\nc/d\r\n"
            + "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.txt\"\r\n\r\nbytes\r\n--xyz--\r\n");

        using (var response = await _http.PostAsync($"ap/v1/agent/tasks/{taskId}/artifacts", RawMultipart(notUtf8)))
        {
            await Api.AssertInvalidAsync(response, "file");
            Assert.Contains("UTF-8", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var response = await _http.PostAsync($"ap/v1/agent/tasks/{taskId}/artifacts", RawMultipart(twoPaths)))
        {
            await Api.AssertInvalidAsync(response, "relative_path");
        }

        await AssertNoArtifactsAsync(taskId);
    }

    [Fact]
    public async Task Download_WithARange_GivesThoseBytes_IgnoresOtherUnits_AndRefusesRangesBeyondTheEndInJson()
    {
        var taskId = await Api.CreateTaskAsync(_http);
        using var upload = await Api.UploadAsync(_http, taskId, "abcdef"u8.ToArray(), "six.txt");
        var url = $"ap/v1/agent/tasks/{taskId}/artifacts/{(await Api.ReadJsonAsync(upload, HttpStatusCode.OK)).GetProperty("artifact_id").GetString()}";

        async Task<HttpResponseMessage> GetAsync(string range)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("Range", range);
            return await _http.SendAsync(request);
        }

        using (var part = await GetAsync("bytes=1-2"))
        {
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal("bc", await part.Content.ReadAsStringAsync());
            Assert.Equal("bytes 1-2/6", part.Content.Headers.ContentRange?.ToString());
        }

        using (var otherUnit = await GetAsync("items=0-1"))
        {
            Assert.Equal(HttpStatusCode.OK, otherUnit.StatusCode);
            Assert.Equal("abcdef", await otherUnit.Content.ReadAsStringAsync());
        }

        using (var beyond = await GetAsync("bytes=10-20"))
        {
            var error = await Api.ReadJsonAsync(beyond, HttpStatusCode.RequestedRangeNotSatisfiable);
            Assert.Contains("6 bytes", error.GetProperty("message").GetString());
            Assert.Equal("bytes */6", beyond.Content.Headers.ContentRange?.ToString());
        }
    }

    [Fact]
    public async Task Head_AnswersLikeGet_WithoutTheBody()
    {
        var taskId = await Api.CreateTaskAsync(_http);
        using var upload = await Api.UploadAsync(_http, taskId, "abcdef"u8.ToArray(), "six.txt");
        var artifactId = (await Api.ReadJsonAsync(upload, HttpStatusCode.OK)).GetProperty("artifact_id").GetString();

        async Task<HttpResponseMessage> HeadAsync(string url) => await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));

        using (var download = await HeadAsync($"ap/v1/agent/tasks/{taskId}/artifacts/{artifactId}"))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(6, download.Content.Headers.ContentLength);
            Assert.Equal("six.txt", download.Content.Headers.ContentDisposition?.FileName);
            Assert.Empty(await download.Content.ReadAsByteArrayAsync());
        }

        foreach (var (url, status) in new[]
        {
            ("healthz", HttpStatusCode.OK),
            ($"ap/v1/agent/tasks/{taskId}", HttpStatusCode.OK),
            ("ap/v1/agent/tasks?page_size=1", HttpStatusCode.OK),
            ("ap/v1/agent/tasks/run_nope", HttpStatusCode.NotFound),
            ($"v1/runs/{taskId}/events", HttpStatusCode.NotFound), // routed like its GET (a built-in agent's task has no run), not 405

            // An event stream's GET never ends: its HEAD is not served.
            ($"ap/v1/agent/tasks/{taskId}/events", HttpStatusCode.MethodNotAllowed),
            ($"agents/echo/ap/v1/agent/tasks/{taskId}/events", HttpStatusCode.MethodNotAllowed),
            ($"v1/runs/{taskId}/stream", HttpStatusCode.MethodNotAllowed),
        })
        {
            using var response = await HeadAsync(url);
            Assert.True(status == response.StatusCode, $"HEAD {url}: {response.StatusCode}");
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }

        // A method the resource does not take is answered with the methods it does take: HEAD among them where served.
        using (var put = await _http.PutAsync($"ap/v1/agent/tasks/{taskId}", Api.Json("{}")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
            Assert.Equal(["GET", "HEAD"], put.Content.Headers.Allow.Order());
        }

        using (var put = await _http.PutAsync($"ap/v1/agent/tasks/{taskId}/events", Api.Json("{}")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
            Assert.Equal(["GET"], put.Content.Headers.Allow);
        }
    }

    private async Task AssertNoArtifactsAsync(string taskId)
    {
        var list = await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/artifacts");
        Assert.Equal(0, list.GetProperty("pagination").GetProperty("total_items").GetInt32());
    }

    private static ByteArrayContent RawMultipart(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");
        return content;
    }

    [Fact]
    public async Task Upload_LargeStreamedFile_RoundTripsByHash()
    {
        var taskId = await Api.CreateTaskAsync(_http);
        const long size = 7L * 1024 * 1024 + 13;
        using var source = new PatternStream(size);
        using var form = new MultipartFormDataContent();
        form.Add(new StreamContent(source), "file", "large.bin");

        using var upload = await _http.PostAsync($"ap/v1/agent/tasks/{taskId}/artifacts", form);
        var artifactId = (await Api.ReadJsonAsync(upload, HttpStatusCode.OK)).GetProperty("artifact_id").GetString();

        using var download = await _http.GetAsync($"ap/v1/agent/tasks/{taskId}/artifacts/{artifactId}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(size, download.Content.Headers.ContentLength);
        await using var body = await download.Content.ReadAsStreamAsync();
        using var expected = new PatternStream(size);
        Assert.Equal(await SHA256.HashDataAsync(expected), await SHA256.HashDataAsync(body));
    }

    [Fact]
    public async Task Download_UnknownArtifactOrTask_Is404()
    {
        var taskId = await Api.CreateTaskAsync(_http);
        using var upload = await Api.UploadAsync(_http, taskId, "x"u8.ToArray(), "x.txt");
        var artifactId = (await Api.ReadJsonAsync(upload, HttpStatusCode.OK)).GetProperty("artifact_id").GetString();
        var otherTask = await Api.CreateTaskAsync(_http);

        await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{taskId}/artifacts/art_nope", HttpStatusCode.NotFound);
        await Api.GetJsonAsync(_http, $"ap/v1/agent/tasks/{otherTask}/artifacts/{artifactId}", HttpStatusCode.NotFound);
        await Api.GetJsonAsync(_http, "ap/v1/agent/tasks/run_nope/artifacts", HttpStatusCode.NotFound);
        using var uploadToUnknown = await Api.UploadAsync(_http, "run_nope", "x"u8.ToArray(), "x.txt");
        await Api.ReadJsonAsync(uploadToUnknown, HttpStatusCode.NotFound);
    }

    /// <summary>A deterministic stream of <c>length</c> bytes generated on the fly (never held in memory).</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = (byte)((_position + i) * 31 % 251);
            }

            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
