# fogbank's Ruby runtime client: the Lambda Runtime API loop, standard library only.
#
# Behaves like AWS's Ruby runtime (aws_lambda_ric): handlers `file.method` (a top-level method)
# and `file.Module::Class.method` (a class-level method), called with `event:` and `context:`;
# the result is sent as `result.to_json` (an IO or StringIO is sent as is); errors are
# `{"errorMessage", "errorType": "Function<Class>", "stackTrace": [...]}` and init errors
# `Init<Class>`, each logged as AWS logs them (a line, then the error as pretty JSON).
#
# fogbank starts ruby with --disable-gems: loading rubygems (and, through it, every installed
# gem's specification) is most of a plain `ruby -e 0`. It is loaded on first need instead: a
# reference to `Gem`, `require 'rubygems'`, `gem`, or a `require` that the load path cannot
# satisfy (a gem's file). did_you_mean and error_highlight, which rubygems would have loaded,
# are loaded here, so error messages read as in a normal ruby.
$stdout.sync = true
$stderr.sync = true

unless defined?(::Gem)
  Object.autoload(:Gem, File.join(__dir__, 'fogbank_gems.rb'))

  module Kernel
    alias_method :fogbank_builtin_require, :require
    private :fogbank_builtin_require

    private

    def require(path)
      if path.to_s == 'rubygems'
        ::Gem # the autoload below
        return false
      end
      fogbank_builtin_require(path)
    rescue LoadError
      raise unless Object.autoload?(:Gem)

      ::Gem # loads rubygems, which wraps this method to look in gems
      require(path)
    end

    def gem(*args, **opts)
      ::Gem # rubygems defines the real Kernel#gem
      gem(*args, **opts)
    end
  end

  %w[did_you_mean error_highlight].each do |lib|
    fogbank_builtin_require(lib)
  rescue LoadError
    nil
  end
end

require 'json'
require 'socket'

module FogbankRuntime
  API = ENV.fetch('AWS_LAMBDA_RUNTIME_API', '127.0.0.1:9001')
  BASE = '/2018-06-01/runtime'
  SELF = File.expand_path(__FILE__)
  # Error classes whose type goes into the error-type header as is (AWS's list); any other
  # class is reported there as `UserException` (the body keeps the real class).
  PLAIN = %w[ArgumentError NoMethodError Exception StandardError NameError LoadError SystemExit
             SystemStackError].freeze

  # A minimal keep-alive HTTP/1.1 client over one socket (net/http costs milliseconds of
  # requires at every cold start).
  class Conn
    def initialize(api)
      i = api.rindex(':')
      @host = api[0...i]
      @port = api[(i + 1)..].to_i
      @sock = nil
      @buf = String.new(encoding: Encoding::BINARY)
    end

    def request(method, path, body = '', headers = nil)
      attempt = 0
      begin
        connect unless @sock
        head = +"#{method} #{BASE}#{path} HTTP/1.1\r\nHost: #{API}\r\n"
        headers&.each { |k, v| head << "#{k}: #{v}\r\n" }
        head << "Content-Length: #{body.bytesize}\r\n\r\n"
        @sock.write(head.b, body.b)
        read_response
      rescue SystemCallError, IOError, EOFError
        close
        attempt += 1
        retry if attempt < 2
        raise
      end
    end

    private

    def connect
      @sock = TCPSocket.new(@host, @port)
      @sock.setsockopt(Socket::IPPROTO_TCP, Socket::TCP_NODELAY, 1)
      @buf.clear
    end

    def close
      @sock&.close
    rescue IOError
      nil
    ensure
      @sock = nil
    end

    def fill
      @buf << @sock.readpartial(65_536)
    end

    def read_until(sep)
      fill until (i = @buf.index(sep))
      @buf.slice!(0, i + sep.bytesize)[0...i]
    end

    def read_exact(n)
      fill while @buf.bytesize < n
      @buf.slice!(0, n)
    end

    def read_response
      lines = read_until("\r\n\r\n").split("\r\n")
      status = lines.shift.to_s.split(' ', 3)[1].to_i
      headers = {}
      lines.each do |line|
        k, v = line.split(':', 2)
        headers[k.strip.downcase] = v.to_s.strip if k
      end
      body =
        if headers.key?('content-length')
          read_exact(headers['content-length'].to_i)
        elsif headers['transfer-encoding'].to_s.downcase == 'chunked'
          read_chunked
        else
          +''
        end
      [status, headers, body]
    end

    def read_chunked
      out = String.new(encoding: Encoding::BINARY)
      loop do
        size = read_until("\r\n").split(';', 2)[0].to_i(16)
        if size.zero?
          read_until("\r\n")
          return out
        end
        out << read_exact(size)
        read_exact(2)
      end
    end
  end

  # The context object AWS's Ruby runtime passes to handlers.
  class LambdaContext
    attr_reader :aws_request_id, :invoked_function_arn, :log_group_name, :log_stream_name,
                :function_name, :memory_limit_in_mb, :function_version, :identity,
                :client_context, :deadline_ms

    def initialize(headers)
      @deadline_ms = headers['lambda-runtime-deadline-ms'].to_i
      @aws_request_id = headers['lambda-runtime-aws-request-id']
      @invoked_function_arn = headers['lambda-runtime-invoked-function-arn']
      @log_group_name = ENV['AWS_LAMBDA_LOG_GROUP_NAME']
      @log_stream_name = ENV['AWS_LAMBDA_LOG_STREAM_NAME']
      @function_name = ENV['AWS_LAMBDA_FUNCTION_NAME']
      @memory_limit_in_mb = ENV['AWS_LAMBDA_FUNCTION_MEMORY_SIZE']
      @function_version = ENV['AWS_LAMBDA_FUNCTION_VERSION']
      identity = headers['lambda-runtime-cognito-identity']
      client_context = headers['lambda-runtime-client-context']
      @identity = JSON.parse(identity) if identity
      @client_context = JSON.parse(client_context) if client_context
    end

    def get_remaining_time_in_millis
      remaining = @deadline_ms - Process.clock_gettime(Process::CLOCK_REALTIME, :millisecond)
      remaining.positive? ? remaining : 0
    end
  end

  class << self
    def utf8(text)
      text.to_s.encode('UTF-8', invalid: :replace, undef: :replace, replace: "\uFFFD")
    end

    # The user's frames of a backtrace: those above the first frame of this file.
    def stack_trace(error)
      (error.backtrace_locations || [])
        .take_while { |l| l.absolute_path != SELF && l.path != SELF }
        .first(100)
        .map { |l| utf8(l.to_s) }
    end

    def error_body(error, classification)
      {
        errorMessage: utf8(error.message),
        errorType: "#{classification}<#{error.class}>",
        stackTrace: stack_trace(error)
      }
    end

    def header_type(error, classification)
      name = PLAIN.include?(error.class.to_s) ? error.class.to_s : 'UserException'
      "#{classification}<#{name}>"
    end

    def log_error(message, body)
      puts message
      puts JSON.pretty_generate(body)
    end

    def post(path, body, error_type = nil)
      headers = { 'Content-Type' => 'application/json' }
      headers['Lambda-Runtime-Function-Error-Type'] = error_type if error_type
      @conn.request('POST', path, body, headers)
    end

    def init_failed(handler, error)
      body = error_body(error, 'Init')
      log_error("Init error when loading handler #{handler}", body)
      post('/init/error', JSON.generate(body), header_type(error, 'Init'))
      exit!(1)
    end

    # `file.method` or `file.Constant.method`; the file is required from the task root.
    def load_handler(handler)
      parts = handler.split('.')
      unless [2, 3].include?(parts.size) && parts.none?(&:empty?)
        raise ArgumentError, "Invalid handler #{handler}: expected FILENAME.METHOD or " \
                             'FILENAME.CLASS.METHOD, where FILENAME.rb is a Ruby source file, ' \
                             'CLASS an optional module or class and METHOD a callable ' \
                             '(class-level when CLASS is given) method'
      end
      file = parts.shift
      method = parts.pop.to_sym
      require file
      [parts.first, method]
    end

    def invoke(constant, method, event, context)
      receiver = constant ? Object.const_get(constant) : TOPLEVEL_BINDING.receiver
      result = receiver.__send__(method, event: event, context: context)
      if result.is_a?(IO) || (defined?(::StringIO) && result.is_a?(::StringIO))
        [result.read.to_s, 'application/unknown']
      else
        [result.to_json, 'application/json']
      end
    end

    def fail_invocation(request_id, error, message)
      body = error_body(error, 'Function')
      log_error(message, body)
      post("/invocation/#{request_id}/error", JSON.generate(body), header_type(error, 'Function'))
    end

    # fogbank sets GEM_PATH to the function's vendored gems and its layers' gems; the host's
    # own gem directories come after them (where AWS's runtime has the gems it includes).
    # Called once rubygems is loaded.
    def extend_gem_path
      return if ENV['GEM_PATH'].to_s.empty?

      ENV['GEM_PATH'] = (ENV['GEM_PATH'].split(File::PATH_SEPARATOR) + Gem.default_path)
                        .uniq.join(File::PATH_SEPARATOR)
      Gem.clear_paths
    end

    def main
      extend_gem_path if !Object.autoload?(:Gem) && Object.const_defined?(:Gem)
      handler = ENV['_HANDLER'].to_s
      root = ENV['LAMBDA_TASK_ROOT'] || Dir.pwd
      $LOAD_PATH.unshift(root) unless $LOAD_PATH.include?(root)
      @conn = Conn.new(API)
      begin
        constant, method = load_handler(handler)
      rescue Exception => e # rubocop:disable Lint/RescueException -- LoadError, SyntaxError, ...
        init_failed(handler, e)
      end
      loop do
        status, headers, body = @conn.request('GET', '/invocation/next')
        exit!(0) if status == 410 # the environment is shutting down
        raise "GET /invocation/next answered #{status}" unless status == 200

        request_id = headers['lambda-runtime-aws-request-id'].to_s
        $_global_aws_request_id = request_id
        trace = headers['lambda-runtime-trace-id']
        trace ? ENV['_X_AMZN_TRACE_ID'] = trace : ENV.delete('_X_AMZN_TRACE_ID')
        critical = nil
        begin
          context = LambdaContext.new(headers)
          event = headers['content-type'] == 'application/json' ? JSON.parse(body) : body
          payload, content_type = invoke(constant, method, event, context)
        rescue StandardError => e
          fail_invocation(request_id, e, 'Error raised from handler method')
          next
        rescue Exception => e # rubocop:disable Lint/RescueException -- exit, stack overflow...
          critical = e
        end
        if critical
          # As AWS's runtime does: report it, then end the environment.
          fail_invocation(request_id, critical, 'Critical exception from handler')
          exit!(1)
        end
        @conn.request('POST', "/invocation/#{request_id}/response", payload,
                      { 'Content-Type' => content_type })
      end
    end
  end
end

FogbankRuntime.main
