using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace VoucherExport.LoadTest;

/// <summary>
/// Drives a running export server with many clients at once. Each client loops: create an export from the catalogue,
/// poll it until it is final, list, download the whole CSV and one chunk (half the time as a <c>Range</c>), delete it
/// and see it gone; some iterations delete right after creating, cancelling the export wherever it is. Every finished
/// export's bytes are compared with the engine's own output; anything unexpected is an error. Beside the clients, a
/// monitor lists the exports to see how many run at once and how many wait. With several servers (instances of one
/// service), every request goes to the next one in turn, so an export is created on one, polled on others and
/// downloaded through yet another.
/// </summary>
public sealed class LoadDriver
{
    private const string Create = "create";
    private const string Poll = "poll";
    private const string List = "list";
    private const string Download = "download";
    private const string ChunkOp = "chunk";
    private const string RangeOp = "chunk range";
    private const string Delete = "delete";
    private const string Gone = "get deleted";
    private const string Monitor = "monitor list";
    private const string ExportLatency = "export (create to final)";

    private static readonly string[] ListOrders = ["created_at", "-created_at", "status", "-status"];

    private readonly HttpClient _http;
    private readonly Uri[] _servers;
    private readonly LoadOptions _options;
    private readonly IReadOnlyList<ExportTemplate> _templates;
    private readonly LatencyRecorder _recorder = new();
    private long _created, _done, _cancelled, _rowsVerified, _bytesVerified, _monitorSamples;
    private int _maxInProgress, _maxScheduled;
    private long _nextServer;
    private readonly KillPlan? _kill;
    private volatile Uri[] _live;
    private long _killedAt, _lostToKill;
    private KillOutcome? _killOutcome;

    private LoadDriver(HttpClient http, Uri[] servers, LoadOptions options, IReadOnlyList<ExportTemplate> templates, KillPlan? kill)
    {
        _http = http;
        _servers = servers;
        _live = servers;
        _options = options;
        _templates = templates;
        _kill = kill;
    }

    /// <summary>Runs the clients against <paramref name="server"/> for <see cref="LoadOptions.Duration"/> and returns what was seen.</summary>
    public static Task<LoadResult> RunAsync(Uri server, LoadOptions options, IReadOnlyList<ExportTemplate> templates)
    {
        ArgumentNullException.ThrowIfNull(server);
        return RunAsync([server], options, templates);
    }

    /// <summary>
    /// Runs the clients against the instances <paramref name="servers"/> of one service, each request to the next in turn;
    /// with <paramref name="kill"/>, one instance is killed mid-run and taken out of the rotation, as a load balancer would.
    /// </summary>
    public static async Task<LoadResult> RunAsync(
        IReadOnlyList<Uri> servers, LoadOptions options, IReadOnlyList<ExportTemplate> templates, KillPlan? kill = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(templates);
        ArgumentOutOfRangeException.ThrowIfZero(servers.Count);
        options.Validate();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, AutomaticDecompression = DecompressionMethods.None };
        using var http = new HttpClient(handler) { Timeout = options.Duration + options.Grace };
        var driver = new LoadDriver(http, [.. servers], options, templates, kill);
        return await driver.RunAsync();
    }

    // The next instance in turn; a relative path goes to it, and so does a download URL that names one of the instances.
    private Uri Route(string pathOrUrl)
    {
        Uri[] live = _live;
        Uri next = live[(int)((ulong)Interlocked.Increment(ref _nextServer) % (ulong)live.Length)];
        // On Unix "/v1/…" parses as an absolute file: URI, so a path is told apart by its leading slash.
        if (pathOrUrl.StartsWith('/') || !Uri.TryCreate(pathOrUrl, UriKind.Absolute, out Uri? absolute))
        {
            return new Uri(next, pathOrUrl);
        }

        bool ours = _servers.Any(s => s.Host == absolute.Host && s.Port == absolute.Port);
        return ours ? new UriBuilder(absolute) { Host = next.Host, Port = next.Port }.Uri : absolute;
    }

    private async Task<LoadResult> RunAsync()
    {
        using var hardStop = new CancellationTokenSource(_options.Duration + _options.Grace);
        using var monitorStop = CancellationTokenSource.CreateLinkedTokenSource(hardStop.Token);
        long start = Stopwatch.GetTimestamp();
        _recorder.MeasureFrom(start + (long)(_options.Warmup.TotalSeconds * Stopwatch.Frequency));
        Task monitor = MonitorAsync(monitorStop.Token);
        Task killer = _kill is null ? Task.CompletedTask : KillAsync(_kill, start, hardStop.Token);
        Task[] clients = [.. Enumerable.Range(0, _options.Clients).Select(i => Task.Run(() => ClientAsync(i, start, hardStop.Token)))];
        await Task.WhenAll(clients);
        await killer;
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        await monitorStop.CancelAsync();
        await monitor;
        IReadOnlyList<OperationSummary> operations = _recorder.Summarize();
        return new LoadResult
        {
            Options = _options,
            Elapsed = elapsed,
            Measured = elapsed > _options.Warmup ? elapsed - _options.Warmup : elapsed,
            Operations = operations,
            Errors = _recorder.ErrorCount,
            FirstErrors = _recorder.FirstErrors,
            ExportsCreated = Interlocked.Read(ref _created),
            ExportsDone = Interlocked.Read(ref _done),
            ExportsCancelled = Interlocked.Read(ref _cancelled),
            RowsVerified = Interlocked.Read(ref _rowsVerified),
            BytesVerified = Interlocked.Read(ref _bytesVerified),
            MaxInProgress = Volatile.Read(ref _maxInProgress),
            MaxScheduled = Volatile.Read(ref _maxScheduled),
            MonitorSamples = Interlocked.Read(ref _monitorSamples),
            LostToKill = Interlocked.Read(ref _lostToKill),
            Kill = _killOutcome,
        };
    }

    private async Task ClientAsync(int index, long start, CancellationToken hardStop)
    {
        // Not HashCode.Combine: it is seeded per process, and two runs must send the same requests.
        var random = new Random(unchecked((_options.Seed * 7919) + index));
        int iterations = 0;
        do
        {
            long began = Stopwatch.GetTimestamp();
            try
            {
                await IterationAsync(random, hardStop);
            }
            catch (Exception e) when (e is HttpRequestException or IOException && Interlocked.Read(ref _killedAt) is > 0 and var killed && began < killed)
            {
                // A request in flight to the instance that was killed: what a client of a crashed instance sees, not an error
                // of the service (the load balancer stops sending there).
                Interlocked.Increment(ref _lostToKill);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or IOException
                                          or InvalidOperationException or KeyNotFoundException)
            {
                _recorder.Error("iteration", $"client {index}: {e.GetType().Name}: {e.Message}");
            }

            iterations++;
        }
        while (!hardStop.IsCancellationRequested
               && Stopwatch.GetElapsedTime(start) < _options.Duration
               && (_options.IterationsPerClient is not { } cap || iterations < cap));
    }

    private async Task IterationAsync(Random random, CancellationToken ct)
    {
        ExportTemplate template = _templates[random.Next(_templates.Count)];
        long createdAt = Stopwatch.GetTimestamp();
        var (status, created) = await ApiAsync(Create, HttpMethod.Post, template.Path, template.Body, ct);
        if (status != 200 || Text(created, "status") != "SCHEDULED")
        {
            _recorder.Error(Create, $"{template.Kind} {template.Path}: {status} {created}");
            return;
        }

        Interlocked.Increment(ref _created);
        string id = Text(created, "id") ?? throw new InvalidOperationException("created export has no id");
        bool deleted = false;
        try
        {
            if (random.Next(100) < _options.CancelPercent)
            {
                deleted = await DeleteAsync(id, ct);
                Interlocked.Increment(ref _cancelled);
                return;
            }

            JsonElement final = await PollUntilFinalAsync(id, ct);
            _recorder.Record(ExportLatency, createdAt);
            if (Text(final, "status") != "DONE")
            {
                _recorder.Error(Poll, $"{id} ({template.Kind} {template.Body}) ended {Text(final, "status")}: {final}");
                return;
            }

            if (await VerifyAsync(id, template, final.GetProperty("result"), random, ct))
            {
                Interlocked.Increment(ref _done);
            }

            await ListAsync(random, ct);
            deleted = await DeleteAsync(id, ct);
        }
        finally
        {
            if (!deleted)
            {
                // Leave nothing behind after a failed iteration, on a fresh token if the run's own has run out.
                using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await ApiAsync(Delete, HttpMethod.Delete, $"/v1/exports/{id}", null, cleanup.Token);
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    _recorder.Error(Delete, $"{id}: cleanup failed: {e.Message}");
                }
            }
        }
    }

    // Kills one instance after a while, takes it out of the rotation, and times how long the exports it was running take
    // to end (each on whichever instance claims it after the dead one's lease runs out).
    private async Task KillAsync(KillPlan plan, long start, CancellationToken ct)
    {
        TimeSpan wait = plan.After - Stopwatch.GetElapsedTime(start);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, ct);
        }

        // The exports the victim holds; the kill waits (bounded) for a moment when it holds at least one.
        IReadOnlyList<string> running = await plan.HeldAsync();
        for (int i = 0; i < 100 && running.Count == 0; i++)
        {
            await Task.Delay(50, ct);
            running = await plan.HeldAsync();
        }

        Uri victim = _servers[plan.Instance];
        _live = [.. _servers.Where(s => s != victim)];
        long killed = Stopwatch.GetTimestamp();
        await plan.KillAsync();
        Interlocked.Exchange(ref _killedAt, killed);

        // An export its client deleted meanwhile (404) ended by the client's hand, not elsewhere: it is not timed.
        TimeSpan longest = TimeSpan.Zero;
        int finished = 0;
        foreach (string id in running)
        {
            while (!ct.IsCancellationRequested)
            {
                var (code, export) = await ApiAsync(Poll, HttpMethod.Get, $"/v1/exports/{id}", null, ct);
                if (code == 404)
                {
                    break;
                }

                if (Text(export, "status") is "DONE" or "ERROR")
                {
                    finished++;
                    TimeSpan took = Stopwatch.GetElapsedTime(killed);
                    longest = took > longest ? took : longest;
                    break;
                }

                await Task.Delay(100, ct);
            }
        }

        _killOutcome = new KillOutcome(victim, running.Count, finished, longest);
    }

    private async Task<JsonElement> PollUntilFinalAsync(string id, CancellationToken ct)
    {
        while (true)
        {
            var (status, export) = await ApiAsync(Poll, HttpMethod.Get, $"/v1/exports/{id}", null, ct);
            if (status != 200)
            {
                throw new InvalidOperationException($"GET /v1/exports/{id} answered {status}: {export}");
            }

            string? state = Text(export, "status");
            switch (state)
            {
                case "DONE" or "ERROR":
                    return export;
                case "SCHEDULED" or "IN_PROGRESS":
                    await Task.Delay(_options.PollInterval, ct);
                    break;
                default:
                    throw new InvalidOperationException($"GET /v1/exports/{id}: unknown status '{state}'");
            }
        }
    }

    // True when every byte matched; a mismatch is recorded as an error.
    private async Task<bool> VerifyAsync(string id, ExportTemplate template, JsonElement result, Random random, CancellationToken ct)
    {
        ExpectedExport expected = template.Expected;
        JsonElement chunks = result.GetProperty("chunks");
        long rows = result.GetProperty("rows").GetInt64(), bytes = result.GetProperty("bytes").GetInt64();
        if (rows != expected.Rows || bytes != expected.ChunkBytes || chunks.GetArrayLength() != expected.Chunks.Length)
        {
            _recorder.Error(Poll, $"{id} ({template.Kind} {template.Body}): result says {rows} rows, {bytes} bytes, {chunks.GetArrayLength()} chunks; expected {expected.Rows}, {expected.ChunkBytes}, {expected.Chunks.Length}");
            return false;
        }

        for (int i = 0; i < expected.Chunks.Length; i++)
        {
            string? sha = Text(chunks[i], "sha256");
            if (sha != expected.ChunkSha256[i])
            {
                _recorder.Error(Poll, $"{id} chunk {i + 1}: manifest sha256 {sha}, expected {expected.ChunkSha256[i]}");
                return false;
            }
        }

        // The whole export, every byte.
        var (status, body, _) = await DownloadAsync(Download, Text(result, "url")!, null, ct);
        if (status != 200 || !body.AsSpan().SequenceEqual(expected.Whole))
        {
            _recorder.Error(Download, $"{id} ({template.Kind} {template.Body}): {status}, {body.Length} bytes; expected 200, {expected.Whole.Length} bytes{FirstDifference(body, expected.Whole)}");
            return false;
        }

        Interlocked.Add(ref _bytesVerified, body.Length);
        Interlocked.Add(ref _rowsVerified, expected.Rows);

        // One chunk, whole or a random range of it.
        int n = random.Next(expected.Chunks.Length);
        byte[] chunk = expected.Chunks[n];
        string url = Text(chunks[n], "url")!;
        if (random.Next(2) == 0 && chunk.Length > 0)
        {
            int from = random.Next(chunk.Length);
            int to = from + random.Next(chunk.Length - from);
            var (rangeStatus, part, contentRange) = await DownloadAsync(RangeOp, url, new RangeHeaderValue(from, to), ct);
            string expectedRange = $"bytes {from}-{to}/{chunk.Length}";
            if (rangeStatus != 206 || contentRange != expectedRange || !part.AsSpan().SequenceEqual(chunk.AsSpan(from, to - from + 1)))
            {
                _recorder.Error(RangeOp, $"{id} chunk {n + 1} bytes={from}-{to}: {rangeStatus} '{contentRange}', {part.Length} bytes; expected 206 '{expectedRange}'");
                return false;
            }

            Interlocked.Add(ref _bytesVerified, part.Length);
        }
        else
        {
            var (chunkStatus, whole, _) = await DownloadAsync(ChunkOp, url, null, ct);
            if (chunkStatus != 200 || !whole.AsSpan().SequenceEqual(chunk))
            {
                _recorder.Error(ChunkOp, $"{id} chunk {n + 1}: {chunkStatus}, {whole.Length} bytes; expected 200, {chunk.Length} bytes{FirstDifference(whole, chunk)}");
                return false;
            }

            Interlocked.Add(ref _bytesVerified, whole.Length);
        }

        return true;
    }

    private async Task ListAsync(Random random, CancellationToken ct)
    {
        string order = ListOrders[random.Next(ListOrders.Length)];
        var (status, list) = await ApiAsync(List, HttpMethod.Get, $"/v1/exports?limit={1 + random.Next(20)}&order={order}", null, ct);
        if (status != 200 || Text(list, "object") != "list" || list.GetProperty("exports").ValueKind != JsonValueKind.Array)
        {
            _recorder.Error(List, $"{status} {list}");
        }
    }

    private async Task<bool> DeleteAsync(string id, CancellationToken ct)
    {
        var (status, body) = await ApiAsync(Delete, HttpMethod.Delete, $"/v1/exports/{id}", null, ct);
        if (status != 204)
        {
            _recorder.Error(Delete, $"{id}: {status} {body}");
            return false;
        }

        var (after, json) = await ApiAsync(Gone, HttpMethod.Get, $"/v1/exports/{id}", null, ct);
        if (after != 404 || Text(json, "key") != "not_found")
        {
            _recorder.Error(Gone, $"{id} after DELETE: {after} {json}");
        }

        return true;
    }

    // Lists every page of the application's exports and counts how many run and how many wait, as often as it can.
    private async Task MonitorAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                int inProgress = 0, scheduled = 0, seen = 0, total = int.MaxValue;
                for (int page = 1; seen < total; page++)
                {
                    var (status, list) = await ApiAsync(Monitor, HttpMethod.Get, $"/v1/exports?limit=100&order=status&page={page}", null, stop);
                    if (status != 200)
                    {
                        _recorder.Error(Monitor, $"{status} {list}");
                        break;
                    }

                    total = list.GetProperty("total").GetInt32();
                    int before = seen;
                    foreach (JsonElement export in list.GetProperty("exports").EnumerateArray())
                    {
                        seen++;
                        switch (Text(export, "status"))
                        {
                            case "IN_PROGRESS":
                                inProgress++;
                                break;
                            case "SCHEDULED":
                                scheduled++;
                                break;
                        }
                    }

                    if (seen == before)
                    {
                        break;
                    }
                }

                Interlocked.Increment(ref _monitorSamples);
                InterlockedMax(ref _maxInProgress, inProgress);
                InterlockedMax(ref _maxScheduled, scheduled);
                await Task.Delay(_options.MonitorInterval, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task<(int Status, JsonElement Json)> ApiAsync(string operation, HttpMethod method, string path, string? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, Route(path));
        request.Headers.Add("X-App-Id", _options.AppId);
        request.Headers.Add("X-App-Token", _options.AppToken);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        long started = Stopwatch.GetTimestamp();
        using HttpResponseMessage response = await _http.SendAsync(request, ct);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync(ct);
        _recorder.Record(operation, started);
        JsonElement json = bytes.Length == 0 ? default : JsonDocument.Parse(bytes).RootElement.Clone();
        return ((int)response.StatusCode, json);
    }

    private async Task<(int Status, byte[] Body, string? ContentRange)> DownloadAsync(string operation, string url, RangeHeaderValue? range, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Route(url));
        request.Headers.Range = range;
        long started = Stopwatch.GetTimestamp();
        using HttpResponseMessage response = await _http.SendAsync(request, ct);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync(ct);
        _recorder.Record(operation, started);
        return ((int)response.StatusCode, bytes, response.Content.Headers.ContentRange?.ToString());
    }

    private static string? Text(JsonElement json, string property) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static string FirstDifference(byte[] actual, byte[] expected)
    {
        int at = actual.AsSpan().CommonPrefixLength(expected);
        return at == actual.Length && at == expected.Length ? "" : $" (first difference at byte {at})";
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current = Volatile.Read(ref target);
        while (value > current)
        {
            int seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
