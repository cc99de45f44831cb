import { createFristApp } from "../lib/app";

createFristApp();
