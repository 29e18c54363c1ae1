export declare function packageVersion(from?: string): string;
