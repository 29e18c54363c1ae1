export interface TextServer {
    /** `http://127.0.0.1:9464/metrics`, with the port actually bound. */
    readonly url: string;
    readonly host: string;
    readonly port: number;
    close(): Promise<void>;
}
/** Serves `body()` at `path` on `host:port` (port 0: any free port). */
export declare function serveText(host: string, port: number, path: string, contentType: string, body: () => string): Promise<TextServer>;
