#!/usr/bin/env node
import '../dist/runner.js';
