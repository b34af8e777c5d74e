-- wrk script: POST the pre-encoded IPP request in the file named by $IPP_BODY (application/ipp),
-- on keep-alive connections. Used by benchmarks/server_bench.py, which checks the answer first.
local path = assert(os.getenv("IPP_BODY"), "set IPP_BODY to the encoded request file")
local file = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/ipp"
